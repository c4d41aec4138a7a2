namespace TopUpSpark.Core.Messages;

/// <summary>
/// Which tasks of which query's batch a reader (the dashboard, topup-sql) has counted in which window (<see cref="BatchPart"/>):
/// a batch replayed after a crash publishes its parts again, and each must be counted once. Bounded: it
/// remembers the newest <c>windowLimit</c> windows (the dashboard: its history chart's, so a window that left the chart
/// is forgotten with it) and at most <see cref="TaskLimit"/> task numbers, forgetting the oldest windows first.
/// </summary>
public sealed class AppliedParts(int windowLimit)
{
    /// <summary>Far more than a job's parts of the history's windows: a guard against a producer inventing batches.</summary>
    public const int TaskLimit = 1_000_000;

    private readonly SortedDictionary<DateTimeOffset, Dictionary<(Guid QueryId, long BatchId), HashSet<int>>> _windows = new();
    private int _tasks;

    /// <summary>The part's tasks already counted in the window: all of them when the part is a repeat, none when it is new.</summary>
    public IReadOnlySet<int> AppliedBefore(BatchPart part, DateTimeOffset windowEnd) =>
        _windows.TryGetValue(windowEnd, out var parts) && parts.TryGetValue((part.QueryId, part.BatchId), out var applied)
            ? part.Tasks.Where(applied.Contains).ToHashSet()
            : new HashSet<int>();

    public void Record(BatchPart part, DateTimeOffset windowEnd)
    {
        if (!_windows.TryGetValue(windowEnd, out var parts)) _windows[windowEnd] = parts = [];
        if (!parts.TryGetValue((part.QueryId, part.BatchId), out var applied)) parts[(part.QueryId, part.BatchId)] = applied = [];
        foreach (var task in part.Tasks)
            if (applied.Add(task)) _tasks++;
        while (_windows.Count > windowLimit || _tasks > TaskLimit)
        {
            var oldest = _windows.First();
            _tasks -= oldest.Value.Values.Sum(tasks => tasks.Count);
            _windows.Remove(oldest.Key);
        }
    }
}
