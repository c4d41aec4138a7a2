using TopUpSpark.Streaming.Checkpointing;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.State;

namespace TopUpSpark.Streaming.Execution;

/// <summary>
/// One task this instance runs: partition number <see cref="Number"/> of every input, its operators'
/// stores, where it stands in each input, the largest event times it has seen, and its checkpoint.
/// </summary>
internal sealed class QueryTask(int number, TaskLog log, IReadOnlyDictionary<PlanNode, IStateStore> stores)
{
    public int Number { get; } = number;
    public TaskLog Log { get; } = log;
    public IReadOnlyDictionary<PlanNode, IStateStore> Stores { get; } = stores;

    /// <summary>The next offset to read, per input topic.</summary>
    public Dictionary<string, long> Next { get; } = new(StringComparer.Ordinal);

    /// <summary>The largest event time per input over the task's committed batches.</summary>
    public Dictionary<string, DateTimeOffset> MaxEventTimes { get; } = new(StringComparer.Ordinal);

    /// <summary>The eviction watermark of the task's last batch: its next batch judges late rows by it.</summary>
    public DateTimeOffset? LastEvictionWatermark { get; set; }

    public long? LastCommitted { get; set; }

    /// <summary>A batch of this task that was planned but not committed when its last instance stopped: replayed first.</summary>
    public TaskOffsets? Uncommitted { get; set; }

    public long StateRows => Stores.Values.Sum(s => s.Rows);

    public void Observe(IReadOnlyDictionary<string, DateTimeOffset> batchMaxima)
    {
        foreach (var (input, max) in batchMaxima)
            if (!MaxEventTimes.TryGetValue(input, out var seen) || max > seen) MaxEventTimes[input] = max;
    }
}
