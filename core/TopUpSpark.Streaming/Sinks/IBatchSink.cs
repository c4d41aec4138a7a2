using TopUpSpark.Core.Messages;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Streaming.Sinks;

/// <summary>
/// Where a query's rows go each batch. A batch replayed after a crash comes again with the same id and
/// rows, for the same or fewer tasks: a sink must not duplicate its output then — by writing per batch and
/// task under a name of its own (parquet), or by letting the engine remember, per task, the batches it
/// delivered (<see cref="DeliveryLog"/>).
/// </summary>
public interface IBatchSink
{
    string Description { get; }

    /// <summary>
    /// A file-name-safe name under which the engine records, in each task's checkpoint, every batch this
    /// sink delivered, and never hands it that batch for that task again; null when the sink is idempotent by itself.
    /// </summary>
    string? DeliveryLog => null;

    void AddBatch(SinkBatch batch, CancellationToken cancel);

    /// <summary>
    /// Called once before the first batch, so one-off costs (connections, code paths run for the first time)
    /// are not paid by the first batch that has output.
    /// </summary>
    void Prepare(RowSchema schema) { }

    /// <summary>
    /// Removes what a run killed in the middle of a write left behind for <paramref name="tasks"/> (their
    /// batch is replayed), before this instance runs them; returns what was removed.
    /// </summary>
    IReadOnlyList<string> RemoveLeftovers(IReadOnlyCollection<int> tasks) => [];
}

/// <summary>One task's rows of a batch.</summary>
public sealed record TaskRows(int Task, IReadOnlyList<object?[]> Rows);

/// <summary>
/// What a sink gets of a batch: which batch of which query for which tasks (<see cref="BatchPart"/>), the
/// rows' schema, the rows per task, and whether it is a replay of a batch a stopped run planned (whose
/// output may be there already, for some of its tasks).
/// </summary>
public sealed record SinkBatch(BatchPart Part, RowSchema Schema, IReadOnlyList<TaskRows> Rows, bool IsReplay);
