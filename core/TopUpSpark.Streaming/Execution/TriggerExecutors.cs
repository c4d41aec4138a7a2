using Microsoft.Extensions.Logging;

namespace TopUpSpark.Streaming.Execution;

/// <summary>
/// When batches run, one executor per trigger kind, as in Spark: each decides when to plan the next batch
/// and when the query is done; running a batch is the execution's. Between batches every executor takes
/// the assignment's changes (a rebalance waits for that), also while it waits.
/// </summary>
internal abstract class TriggerExecutor
{
    public static TriggerExecutor For(StreamingQueryOptions options, ILogger log) => options.Trigger switch
    {
        Trigger.ProcessingTime interval => new ProcessingTimeExecutor(interval.Interval, options.Time),
        Trigger.AvailableNow => new AvailableNowExecutor(options.FlushAtEnd, options.WaitForOtherTasks, options.Time, log),
        _ => new AsSoonAsPossibleExecutor(options.PollInterval, options.Time),
    };

    public abstract Task RunAsync(MicroBatchExecution execution, CancellationToken cancel);

    /// <summary>Runs the next batch if there is one; says whether it did.</summary>
    protected static bool RunNextBatch(MicroBatchExecution execution)
    {
        execution.ApplyAssignmentChanges();
        if (execution.PlanNextBatch() is not { } batch) return false;
        execution.RunBatch(batch);
        return true;
    }

    /// <summary>Waits <paramref name="wait"/>, taking the assignment's changes as they come; false once cancelled.</summary>
    protected static async Task<bool> Wait(MicroBatchExecution execution, TimeProvider time, TimeSpan wait, CancellationToken cancel)
    {
        var started = time.GetTimestamp();
        for (var left = wait; left > TimeSpan.Zero; left = wait - time.GetElapsedTime(started))
        {
            try
            {
                // Timers may wake a little early; like Spark's waitTillTime this waits until the moment has truly passed.
                await Task.WhenAny(Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), time, cancel), execution.AssignmentChanged).WaitAsync(cancel);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            if (cancel.IsCancellationRequested) return false;
            execution.ApplyAssignmentChanges();
        }
        return true;
    }
}

/// <summary>No trigger set: the next batch as soon as the previous one finished and there is something to do; else a look every poll interval.</summary>
internal sealed class AsSoonAsPossibleExecutor(TimeSpan pollInterval, TimeProvider time) : TriggerExecutor
{
    public override async Task RunAsync(MicroBatchExecution execution, CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            if (RunNextBatch(execution)) continue;
            if (!await Wait(execution, time, pollInterval, cancel)) return;
        }
    }
}

/// <summary>
/// <c>Trigger.ProcessingTime(interval)</c>: a batch (if there is something to do) on every interval boundary,
/// counted from the start; a batch that overran starts the next at once, without making up missed ones.
/// </summary>
internal sealed class ProcessingTimeExecutor(TimeSpan interval, TimeProvider time) : TriggerExecutor
{
    public override async Task RunAsync(MicroBatchExecution execution, CancellationToken cancel)
    {
        var started = time.GetTimestamp();
        var next = TimeSpan.Zero;
        while (!cancel.IsCancellationRequested)
        {
            if (!await Wait(execution, time, next - time.GetElapsedTime(started), cancel)) return;
            var triggeredAt = time.GetElapsedTime(started).Ticks;
            next = TimeSpan.FromTicks((triggeredAt / interval.Ticks + 1) * interval.Ticks);
            RunNextBatch(execution);
        }
    }
}

/// <summary>
/// <c>Trigger.AvailableNow</c>: processes every partition up to where it ended at the start, possibly in
/// several batches, then stops. With other instances running other tasks, it waits until all of them have
/// reached that end too, so that the global watermark is final, and runs the batch that watermark calls
/// for (the windows it closes) — as a single instance's last batch would; with <c>--flush-at-end</c>, a last
/// batch with the watermark past everything emits the windows still open. It leaves only once every task
/// is finished: until then the group may hand it the tasks of an instance that left.
/// </summary>
internal sealed class AvailableNowExecutor(bool flushAtEnd, TimeSpan waitForOtherTasks, TimeProvider time, ILogger log) : TriggerExecutor
{
    private static readonly TimeSpan LookAgain = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(15);

    public override async Task RunAsync(MicroBatchExecution execution, CancellationToken cancel)
    {
        execution.CaptureAvailableNowTargets();
        var flushed = new HashSet<int>();
        var waitingSince = (long?)null;
        var reported = TimeSpan.Zero;
        while (!cancel.IsCancellationRequested)
        {
            if (RunNextBatch(execution)) continue;
            var behind = execution.TasksBehindTheEnd();
            if (behind.Count == 0)
            {
                if (flushAtEnd && execution.PlanFlushBatch(flushed) is { } flush)
                {
                    execution.RunBatch(flush);
                    continue;
                }
                execution.RecordAvailableNowEnd(flushAtEnd);
                behind = execution.TasksNotFinished(flushAtEnd);
                if (behind.Count == 0) return;
            }
            waitingSince ??= time.GetTimestamp();
            var waited = time.GetElapsedTime(waitingSince.Value);
            if (waited > waitForOtherTasks)
            {
                log.LogWarning("tasks [{Tasks}] run elsewhere did not finish this run within {Seconds:0} s; stopping without them: the windows they would close stay open until the next run",
                    string.Join(", ", behind), waited.TotalSeconds);
                return;
            }
            if (waited - reported >= ReportEvery)
            {
                reported = waited;
                log.LogInformation("this instance's tasks are done; waiting for tasks [{Tasks}] run elsewhere to finish this run ({Seconds:0} s so far)",
                    string.Join(", ", behind), waited.TotalSeconds);
            }
            if (!await Wait(execution, time, LookAgain, cancel)) return;
        }
    }
}
