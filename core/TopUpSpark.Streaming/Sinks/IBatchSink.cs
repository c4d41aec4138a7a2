using TopUpSpark.Core.Messages;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Streaming.Sinks;

/// <summary>
/// Where a query's rows go each batch. A sink must be idempotent per batch id: a batch replayed after
/// a crash (same id, same rows) must not duplicate output.
/// </summary>
public interface IBatchSink
{
    string Description { get; }

    /// <param name="batch">The query, the batch id and the tasks whose rows these are.</param>
    void AddBatch(BatchPart batch, RowSchema schema, IReadOnlyList<object?[]> rows, CancellationToken cancel);

    /// <summary>
    /// Called once before the first batch, so one-off costs (connections, code paths run for the first time)
    /// are not paid by the first batch that has output.
    /// </summary>
    void Prepare(RowSchema schema) { }

    /// <summary>Removes what a run killed in the middle of a write left behind (the batch itself is replayed); returns what was removed.</summary>
    IReadOnlyList<string> RemoveLeftovers() => [];
}
