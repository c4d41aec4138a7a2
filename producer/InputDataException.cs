namespace TopUpSpark.Producer;

/// <summary>An input file cannot be used at all (missing, empty, or its header does not match the schema).</summary>
public sealed class InputDataException(string message) : Exception(message);
