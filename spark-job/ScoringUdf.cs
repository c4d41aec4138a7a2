using Microsoft.Extensions.Logging;
using TopUpSpark.Scoring;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Job;

/// <summary>
/// The model as a UDF over joined rows: reads the model's inputs by column name and returns
/// <c>prediction</c> (0.0/1.0, as Spark's) and <c>probability</c> of a top-up. A row the model refuses
/// (Spark would fail the whole job) gets nulls and is counted; a row the model skips is marked so the
/// query drops it, as Spark's handleInvalid=skip does.
/// </summary>
public sealed class ScoringUdf
{
    public const string SkippedMarker = "skipped";
    private readonly ITopUpModel _model;
    private readonly int[] _numeric;
    private readonly int[] _categorical;
    private readonly ILogger _log;
    private long _rejected;
    private long _skipped;

    public ScoringUdf(ITopUpModel model, RowSchema joined, ILogger log)
    {
        _model = model;
        _log = log;
        var missing = model.NumericInputs.Concat(model.CategoricalInputs).Where(c => !joined.Contains(c)).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException(
                $"the model ({model.Kind}) needs column(s) the joined stream does not have: {string.Join(", ", missing)}; " +
                $"joined columns are: {string.Join(", ", joined.Names)}");
        _numeric = model.NumericInputs.Select(joined.Ordinal).ToArray();
        _categorical = model.CategoricalInputs.Select(joined.Ordinal).ToArray();
        foreach (var (ordinal, name) in _categorical.Zip(model.CategoricalInputs))
        {
            if (joined.Kinds[ordinal] != ColumnKind.String)
                throw new InvalidOperationException($"the model reads '{name}' as a category, but the schema casts it to {joined.Kinds[ordinal]}; declare it a string");
        }
    }

    public const string PredictionColumn = "prediction";
    public const string ProbabilityColumn = "probability";
    /// <summary>Why a row was not scored (null when it was): <see cref="SkippedMarker"/>, or the model's rejection.</summary>
    public const string IssueColumn = "scoring_issue";

    public static readonly IReadOnlyList<(string Name, ColumnKind Kind)> Columns =
        [(PredictionColumn, ColumnKind.Double), (ProbabilityColumn, ColumnKind.Double), (IssueColumn, ColumnKind.String)];

    public long RejectedRows => Interlocked.Read(ref _rejected);
    public long SkippedRows => Interlocked.Read(ref _skipped);

    public object?[] Score(object?[] row)
    {
        Span<double> numeric = stackalloc double[_numeric.Length];
        var categorical = new string?[_categorical.Length];
        for (var i = 0; i < _numeric.Length; i++)
            numeric[i] = row[_numeric[i]] switch { double d => d, long l => l, _ => double.NaN };
        for (var i = 0; i < _categorical.Length; i++) categorical[i] = (string?)row[_categorical[i]];
        try
        {
            var score = _model.Score(numeric, categorical);
            return [(double)score.Prediction, score.Probability, null];
        }
        catch (ScoringException e) when (e.Kind == ScoringFailureKind.Skipped)
        {
            Interlocked.Increment(ref _skipped);
            return [null, null, SkippedMarker];
        }
        catch (ScoringException e)
        {
            if (Interlocked.Increment(ref _rejected) <= 10) _log.LogWarning("the model refused a row (prediction left null): {Reason}", e.Message);
            return [null, null, e.Message];
        }
    }
}
