namespace TopUpSpark.Streaming.Tasks;

/// <summary>
/// A fixed set of tasks for the query's whole run: every task (the default, one instance), or the ones
/// named with <c>--tasks</c> — a scheduler such as a Kubernetes indexed Job starting one instance per slice.
/// </summary>
public sealed class StaticTaskAssignment(IReadOnlyList<int>? tasks = null) : ITaskAssignment
{
    private IReadOnlyList<TaskChange> _pending = [];

    public string Description => tasks is null ? "all tasks" : $"tasks {string.Join(", ", tasks)}";

    public bool IsStatic => true;

    public void Start(int taskCount, IReadOnlyList<string> topics)
    {
        var outOfRange = tasks?.Where(t => t < 0 || t >= taskCount).ToList() ?? [];
        if (outOfRange.Count > 0)
            throw new ArgumentException(
                $"--tasks {string.Join(',', outOfRange)}: the query has {taskCount} tasks (0 to {taskCount - 1}), one per partition of {string.Join(" and ", topics)}");
        _pending = [new TaskChange.Assigned(tasks?.Distinct().Order().ToList() ?? Enumerable.Range(0, taskCount).ToList())];
    }

    private static readonly Task Never = new TaskCompletionSource().Task;

    public Task ChangesPending => _pending.Count > 0 ? Task.CompletedTask : Never;

    public IReadOnlyList<TaskChange> TakeChanges()
    {
        var changes = _pending;
        _pending = [];
        return changes;
    }

    public void Released(IReadOnlyCollection<int> released)
    {
    }

    public void Dispose()
    {
    }
}
