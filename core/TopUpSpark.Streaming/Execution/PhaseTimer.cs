using System.Diagnostics;

namespace TopUpSpark.Streaming.Execution;

/// <summary>Spark's <c>reportTimeTaken</c>: each phase of a batch runs through one helper that records how long it took.</summary>
internal sealed class PhaseTimer
{
    private readonly Stopwatch _total = Stopwatch.StartNew();

    /// <summary>When the batch started, as a <see cref="Stopwatch.GetTimestamp"/>.</summary>
    public long Started { get; } = Stopwatch.GetTimestamp();

    public Dictionary<string, long> Durations { get; } = new(StringComparer.Ordinal);

    public TimeSpan Elapsed => _total.Elapsed;

    public T Time<T>(string phase, Func<T> run)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            return run();
        }
        finally
        {
            Durations[phase] = Durations.GetValueOrDefault(phase) + clock.ElapsedMilliseconds;
        }
    }

    public void Time(string phase, Action run) => Time(phase, () =>
    {
        run();
        return true;
    });

    /// <summary>Closes the batch: <c>triggerExecution</c> is its whole time.</summary>
    public void Finish() => Durations["triggerExecution"] = _total.ElapsedMilliseconds;
}
