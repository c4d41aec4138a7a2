namespace TopUpSpark.Scoring;

/// <summary>
/// A top-up model ready to score joined rows (customer columns plus bureau window aggregates).
/// Implementations are immutable after loading and safe to call from many threads at once.
/// </summary>
public interface ITopUpModel
{
    /// <summary>What the model is, for logs and <c>describe</c>, e.g. "spark-pipeline (GBTClassificationModel, 20 trees)".</summary>
    string Kind { get; }

    /// <summary>Joined-row column names fed as doubles, in the order <see cref="Score"/> expects them.</summary>
    IReadOnlyList<string> NumericInputs { get; }

    /// <summary>Joined-row column names fed as strings exactly as they arrive, in the order <see cref="Score"/> expects them.</summary>
    IReadOnlyList<string> CategoricalInputs { get; }

    /// <summary>
    /// Scores one row. Thread-safe. A numeric NaN means null; a categorical null means null.
    /// Throws <see cref="ScoringException"/> for a row the model rejects (for example a Spark
    /// VectorAssembler with handleInvalid=error seeing a null), never for anything else.
    /// </summary>
    ModelScore Score(ReadOnlySpan<double> numeric, ReadOnlySpan<string?> categorical);
}

/// <summary>The model's verdict for one row: predicted class (0/1) and the probability of class 1.</summary>
public readonly record struct ModelScore(int Prediction, double Probability);

/// <summary>Spark VectorAssembler's <c>handleInvalid</c>: what a null or NaN feature does to a row.</summary>
public enum AssemblerInvalidHandling
{
    /// <summary>The row fails (Spark's default).</summary>
    Error,
    /// <summary>The feature becomes NaN and the row is scored.</summary>
    Keep,
    /// <summary>The row is dropped from the output without an error.</summary>
    Skip,
}
