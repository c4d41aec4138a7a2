namespace TopUpSpark.Scoring;

/// <summary>Why a row produced no score.</summary>
public enum ScoringFailureKind
{
    /// <summary>A stage with handleInvalid=error met a null, NaN or unseen value: Spark would fail the job.</summary>
    Rejected,
    /// <summary>A stage with handleInvalid=skip filtered the row out: Spark would drop it silently.</summary>
    Skipped,
}

/// <summary>The model refused one row; the message names the stage, the column and the value.</summary>
public sealed class ScoringException : Exception
{
    public ScoringException(ScoringFailureKind kind, string message) : base(message)
    {
        Kind = kind;
    }

    public ScoringFailureKind Kind { get; }
}
