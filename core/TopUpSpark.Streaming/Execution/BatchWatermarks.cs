namespace TopUpSpark.Streaming.Execution;

/// <summary>
/// The two watermarks a micro-batch runs with (Spark ≥ 3.4 with several stateful operators):
/// late input rows are judged against the previous batch's watermark, state is emitted and evicted
/// with this batch's, so rows an upstream operator emits now are not late downstream.
/// Null means no watermark yet (no input has seen data).
/// </summary>
public readonly record struct BatchWatermarks(DateTimeOffset? ForLateRows, DateTimeOffset? ForEviction)
{
    public static readonly BatchWatermarks None = new(null, null);

    /// <summary>True when <paramref name="eventTime"/> is at or before the late-row watermark.</summary>
    public bool IsLate(DateTimeOffset eventTime) => ForLateRows is { } w && eventTime <= w;
}
