using TopUpSpark.Core.Messages;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Streaming.Sinks;

/// <summary>
/// <c>foreachBatch((rows, batchId) => …)</c>: hands each batch's rows to user code, which must itself be
/// idempotent per batch id (a replayed batch arrives again with the same id and rows). Besides Spark's
/// batch id, the handler learns the query's id and the tasks the rows come from, which it can pass on
/// to its readers so they can recognise a replayed batch.
/// </summary>
public sealed class ForeachBatchSink(string description, Action<IReadOnlyList<object?[]>, RowSchema, BatchPart> handler) : IBatchSink
{
    public string Description { get; } = description;

    public void AddBatch(BatchPart batch, RowSchema schema, IReadOnlyList<object?[]> rows, CancellationToken cancel) =>
        handler(rows, schema, batch);
}
