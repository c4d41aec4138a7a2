using System.Text.RegularExpressions;
using TopUpSpark.Core.Messages;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Streaming.Sinks;

/// <summary>
/// <c>foreachBatch((rows, batchId) => …)</c>: hands each batch's rows — of every task the batch ran — to user
/// code. As in Spark, a replayed batch arrives again with the same id and rows, and the handler must be
/// idempotent itself; unless <c>once</c> is set: the engine then records, per task, each batch the handler
/// returned from, and a replay hands over only the tasks it did not. Besides Spark's batch id the handler
/// learns the query's id and the tasks, which it can pass on so its readers recognise a part they have seen.
/// </summary>
public sealed partial class ForeachBatchSink(string description, Action<IReadOnlyList<object?[]>, RowSchema, BatchPart> handler, bool once) : IBatchSink
{
    public string Description { get; } = description;

    public string? DeliveryLog { get; } = once ? NotFileNameSafe().Replace(description.ToLowerInvariant(), "-").Trim('-') : null;

    public void AddBatch(SinkBatch batch, CancellationToken cancel) =>
        handler(batch.Rows.Count == 1 ? batch.Rows[0].Rows : batch.Rows.SelectMany(t => t.Rows).ToList(), batch.Schema, batch.Part);

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotFileNameSafe();
}
