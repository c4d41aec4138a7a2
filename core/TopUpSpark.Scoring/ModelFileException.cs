namespace TopUpSpark.Scoring;

/// <summary>A model file or Spark model folder cannot be used; the message says what and why.</summary>
public sealed class ModelFileException : Exception
{
    public ModelFileException(string message) : base(message) { }

    public ModelFileException(string message, Exception inner) : base(message, inner) { }
}
