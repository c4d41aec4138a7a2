using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Streaming.Sinks;

/// <summary>
/// <c>foreachBatch((rows, batchId) => …)</c>: hands each batch's rows to user code, which must itself be
/// idempotent per batch id (a replayed batch arrives again with the same id and rows).
/// </summary>
public sealed class ForeachBatchSink(string description, Action<IReadOnlyList<object?[]>, RowSchema, long> handler) : IBatchSink
{
    public string Description { get; } = description;

    public void AddBatch(long batchId, RowSchema schema, IReadOnlyList<object?[]> rows, CancellationToken cancel) =>
        handler(rows, schema, batchId);
}
