namespace TopUpSpark.Streaming.Progress;

/// <summary>What one micro-batch did — the fields of Spark's <c>StreamingQueryProgress</c> that apply here.</summary>
public sealed record QueryProgress(
    Guid Id,
    Guid RunId,
    string Name,
    string Instance,
    IReadOnlyList<int> Tasks,
    long BatchId,
    DateTimeOffset Timestamp,
    long NumInputRows,
    double InputRowsPerSecond,
    double ProcessedRowsPerSecond,
    IReadOnlyDictionary<string, long> DurationMs,
    IReadOnlyDictionary<string, string?> EventTime,
    IReadOnlyList<StateOperatorProgress> StateOperators,
    IReadOnlyList<SourceProgress> Sources,
    IReadOnlyList<string> Sinks,
    long LateRowsDropped,
    long DeadLetters,
    long InvalidValues,
    long LostRecords,
    IReadOnlyDictionary<string, long> Metrics)
{
    /// <summary>In <see cref="Metrics"/>: the milliseconds the .NET garbage collector paused the process during the batch.</summary>
    public const string GcPauseMetric = "gcPauseMs";

    /// <summary>In <see cref="Metrics"/>: the process's CPU milliseconds, all threads, while the batch ran.</summary>
    public const string ProcessCpuMetric = "processCpuMs";
}

public sealed record StateOperatorProgress(string OperatorName, long NumRowsTotal, long NumRowsDroppedByWatermark);

public sealed record SourceProgress(string Description, IReadOnlyDictionary<int, long> StartOffset, IReadOnlyDictionary<int, long> EndOffset, long NumInputRows);
