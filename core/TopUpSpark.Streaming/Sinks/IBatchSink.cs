using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Streaming.Sinks;

/// <summary>
/// Where a query's rows go each batch. A sink must be idempotent per batch id: a batch replayed after
/// a crash (same id, same rows) must not duplicate output.
/// </summary>
public interface IBatchSink
{
    string Description { get; }

    void AddBatch(long batchId, RowSchema schema, IReadOnlyList<object?[]> rows, CancellationToken cancel);

    /// <summary>
    /// Called once before the first batch, so one-off costs (connections, code paths run for the first time)
    /// are not paid by the first batch that has output.
    /// </summary>
    void Prepare(RowSchema schema) { }
}
