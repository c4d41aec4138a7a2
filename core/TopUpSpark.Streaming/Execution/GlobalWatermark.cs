namespace TopUpSpark.Streaming.Execution;

/// <summary>
/// Spark's global watermark over every task of the query, wherever the tasks run. Per input, the largest
/// event time any task has seen in its committed batches, minus the input's delay; the global watermark is
/// the minimum over the inputs (<c>multipleWatermarkPolicy=min</c>), and none while some input has seen no
/// data in any task. Tasks of this instance report after each commit; those of other instances are read
/// from their checkpoints before a batch is planned, so an instance lags the others by at most their last
/// batch — as a Spark batch uses the maxima of the batches before it.
/// </summary>
internal sealed class GlobalWatermark(IReadOnlyDictionary<string, TimeSpan> delays)
{
    private readonly Dictionary<int, IReadOnlyDictionary<string, DateTimeOffset>> _maxByTask = new();

    public IReadOnlyDictionary<string, TimeSpan> Delays { get; } = delays;

    /// <summary>A task's largest event time per input after its latest committed batch.</summary>
    public void Update(int task, IReadOnlyDictionary<string, DateTimeOffset> maxEventTimes) => _maxByTask[task] = maxEventTimes;

    /// <summary>Per input: its watermark, or null while no task has seen data of it.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset?> ByInput() =>
        Delays.ToDictionary(input => input.Key, input =>
        {
            DateTimeOffset? max = null;
            foreach (var task in _maxByTask.Values)
                if (task.TryGetValue(input.Key, out var seen) && (max is null || seen > max))
                    max = seen;
            return max - input.Value;
        }, StringComparer.Ordinal);

    public DateTimeOffset? Current
    {
        get
        {
            var byInput = ByInput();
            return byInput.Count == 0 || byInput.Values.Any(w => w is null) ? null : byInput.Values.Min();
        }
    }
}
