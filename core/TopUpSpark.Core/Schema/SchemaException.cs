namespace TopUpSpark.Core.Schema;

/// <summary>The schema file, or data checked against it, is not as declared.</summary>
public sealed class SchemaException(string message) : Exception(message);
