namespace TopUpSpark.Streaming.Execution;

/// <summary>
/// What the process has spent so far beyond wall time: CPU time on all its threads (the batch's own, and what runs
/// beside it — reading ahead, Kafka's client, the UI) and the time the garbage collector paused it. The difference
/// of two readings is what a batch cost: set against the cores and the batch's time, its CPU time says how much of
/// the machine the job used and how much a record costs.
/// </summary>
internal readonly record struct ProcessUsage(TimeSpan Cpu, TimeSpan GcPause)
{
    public static ProcessUsage Now() => new(Environment.CpuUsage.TotalTime, GC.GetTotalPauseDuration());

    public ProcessUsage Since(ProcessUsage earlier) => new(Cpu - earlier.Cpu, GcPause - earlier.GcPause);
}
