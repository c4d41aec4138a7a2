namespace TopUpSpark.Streaming.Tasks;

/// <summary>
/// Which tasks — partition numbers of the co-partitioned inputs — this instance of the query runs, and
/// how that changes: all of them (one instance), a fixed list (<c>--tasks</c>, for schedulers that start
/// one instance per slice), or whatever Kafka's consumer-group protocol hands this member (<c>--group-id</c>).
/// </summary>
public interface ITaskAssignment : IDisposable
{
    /// <summary>For logs: "all tasks", "tasks 0, 3, 5", "consumer group topup".</summary>
    string Description { get; }

    /// <summary>True when a task can only ever be this instance's: another instance taking one is an error, not a rebalance.</summary>
    bool IsStatic { get; }

    /// <summary>Starts taking part, for a query of <paramref name="taskCount"/> tasks over <paramref name="topics"/>.</summary>
    void Start(int taskCount, IReadOnlyList<string> topics);

    /// <summary>Completes when changes wait to be taken (a waiting engine wakes up for them).</summary>
    Task ChangesPending { get; }

    /// <summary>The changes since the last call, in the order they happened.</summary>
    IReadOnlyList<TaskChange> TakeChanges();

    /// <summary>The engine has finished its batch and let go of tasks it was asked to give up (<see cref="TaskChange.Revoked"/>).</summary>
    void Released(IReadOnlyCollection<int> tasks);
}

/// <summary>What happened to some tasks.</summary>
public abstract record TaskChange(IReadOnlyList<int> Tasks)
{
    /// <summary>Run these from now on: restore them from their checkpoint first.</summary>
    public sealed record Assigned(IReadOnlyList<int> Tasks) : TaskChange(Tasks);

    /// <summary>Give these up once the batch in progress has committed, then call <see cref="ITaskAssignment.Released"/>.</summary>
    public sealed record Revoked(IReadOnlyList<int> Tasks) : TaskChange(Tasks);

    /// <summary>These are already another instance's (this one was too late to hand them over): drop them without committing.</summary>
    public sealed record Lost(IReadOnlyList<int> Tasks) : TaskChange(Tasks);
}
