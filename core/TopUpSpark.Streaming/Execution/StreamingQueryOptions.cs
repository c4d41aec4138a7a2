namespace TopUpSpark.Streaming.Execution;

/// <summary>How a streaming query runs.</summary>
public sealed record StreamingQueryOptions
{
    public required string Name { get; init; }
    public required string CheckpointLocation { get; init; }
    public Trigger Trigger { get; init; } = new Trigger.AsSoonAsPossible();


    /// <summary>Spark's <c>maxOffsetsPerTrigger</c>: records per batch over all partitions of one source; null = no limit.</summary>
    public long? MaxRecordsPerTrigger { get; init; }

    /// <summary>How often to look for new data when the last look found none (default trigger).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// At the end of an available-now run, move the watermark past everything so the last open windows
    /// are emitted. Off by default: with no new data the watermark does not move (as in Spark). A run that
    /// flushed ends the stream for its checkpoint: rows arriving later are all late.
    /// </summary>
    public bool FlushAtEnd { get; init; }

    /// <summary>The clock that triggers wait on and batches are stamped with.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where each batch's progress is appended as one JSON line; null for none.</summary>
    public string? ProgressFile { get; init; }

    /// <summary>Which tasks this instance runs (default: all of them, one instance).</summary>
    public Tasks.ITaskAssignment? TaskAssignment { get; init; }

    /// <summary>This instance's name in task ownership records, logs and progress.</summary>
    public string Instance { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Where the checkpoint is kept (default: the folder <see cref="CheckpointLocation"/>).</summary>
    public Checkpointing.ICheckpointStorage? CheckpointStorage { get; init; }

    /// <summary>How long an available-now instance waits for the tasks other instances run to reach the run's end.</summary>
    public TimeSpan WaitForOtherTasks { get; init; } = TimeSpan.FromMinutes(10);
}
