using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Kafka;

namespace TopUpSpark.Streaming.Tasks;

/// <summary>
/// Tasks handed out by Kafka's consumer-group protocol, the way Kafka Streams spreads a stateful
/// application over its instances: every instance joins the group subscribed to all input topics, and
/// the range assignor gives each member the same partition numbers of every topic — partition p of
/// <c>customer</c> and of <c>bureau</c> together, one task. Kafka handles membership, failure detection
/// (a member silent for <c>session.timeout.ms</c> is dropped) and rebalancing.
/// <para>
/// The group consumer only takes part in the group: it fetches nothing (its partitions are paused at
/// their end); the query reads its tasks' partitions itself, at the offsets of its checkpoint. On a
/// rebalance (eager: every member gives up everything first) the revoke waits until the engine has
/// finished its batch and committed the tasks' checkpoints, so no two instances ever run one task; a
/// member that missed its session loses its tasks without that courtesy and must drop them uncommitted.
/// </para>
/// </summary>
public sealed class KafkaGroupTaskAssignment : ITaskAssignment
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly KafkaSettings _settings;
    private readonly string _groupId;
    private readonly string _instance;
    private readonly TimeSpan _releaseTimeout;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly List<TaskChange> _pending = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _released = new(0);
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private IReadOnlyList<string> _topics = [];
    private int _taskCount;
    private Exception? _failure;

    /// <param name="releaseTimeout">How long a revoke waits for the engine to finish its batch (it may be waiting out a broker outage).</param>
    public KafkaGroupTaskAssignment(KafkaSettings settings, string groupId, string instance, TimeSpan releaseTimeout, ILogger log)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        _settings = settings;
        _groupId = groupId;
        _instance = instance;
        _releaseTimeout = releaseTimeout;
        _log = log;
    }

    public string Description => $"consumer group {_groupId}";

    public bool IsStatic => false;

    public void Start(int taskCount, IReadOnlyList<string> topics)
    {
        _taskCount = taskCount;
        _topics = topics;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() => Run(ready)) { IsBackground = true, Name = $"group {_groupId}" };
        _thread.Start();
        ready.Task.GetAwaiter().GetResult();
    }

    public Task ChangesPending
    {
        get
        {
            lock (_gate) return _pending.Count > 0 || _failure is not null ? Task.CompletedTask : _changed.Task;
        }
    }

    public IReadOnlyList<TaskChange> TakeChanges()
    {
        lock (_gate)
        {
            if (_failure is not null) throw new InvalidOperationException($"consumer group {_groupId}: {_failure.Message}", _failure);
            var changes = _pending.ToList();
            _pending.Clear();
            return changes;
        }
    }

    public void Released(IReadOnlyCollection<int> tasks) => _released.Release();

    private void Enqueue(TaskChange change)
    {
        TaskCompletionSource woken;
        lock (_gate)
        {
            _pending.Add(change);
            woken = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        woken.TrySetResult();
    }

    private void Run(TaskCompletionSource ready)
    {
        try
        {
            var config = _settings.Consumer($"{_groupId}-{_instance}", _groupId, AutoOffsetReset.Latest);
            config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range;
            config.EnablePartitionEof = false;
            // The group's heartbeat runs on librdkafka's thread; this one only serves rebalances, which may wait for a batch.
            config.MaxPollIntervalMs ??= (int)Math.Clamp((_releaseTimeout + TimeSpan.FromMinutes(1)).TotalMilliseconds, 60_000, int.MaxValue);
            using var consumer = new ConsumerBuilder<Ignore, Ignore>(config)
                .LogTo(_settings.ClientLog(_log, $"{_groupId}-{_instance}"))
                .SetPartitionsAssignedHandler((_, partitions) => Assigned(partitions))
                .SetPartitionsRevokedHandler((_, partitions) => Revoked(partitions.Select(p => p.TopicPartition).ToList()))
                .SetPartitionsLostHandler((_, partitions) => Lost(partitions.Select(p => p.TopicPartition).ToList()))
                .Build();
            consumer.Subscribe(_topics);
            _log.LogInformation("joining consumer group {Group} on {Bootstrap} as {Instance}, subscribed to {Topics} (range assignment: partition p of each topic is task p)",
                _groupId, _settings.BootstrapServers, _instance, string.Join(", ", _topics));
            ready.TrySetResult();
            while (!_stop.IsCancellationRequested)
            {
                consumer.Consume(PollInterval);
                if (_assignedAtEnd.Count > 0)
                {
                    // Assigned at their end and paused, so the group consumer never fetches what the query reads itself.
                    consumer.Pause(_assignedAtEnd);
                    _assignedAtEnd.Clear();
                }
            }
            // Leaving hands the tasks to the other members at once, rather than after the session timeout.
            consumer.Close();
        }
        catch (Exception e) when (e is KafkaException or InvalidOperationException)
        {
            lock (_gate) _failure = e;
            _log.LogError("consumer group {Group} failed: {Reason}", _groupId, e.Message);
            ready.TrySetResult();
            _changed.TrySetResult();
        }
    }

    private readonly List<TopicPartition> _assignedAtEnd = [];

    private IEnumerable<TopicPartitionOffset> Assigned(List<TopicPartition> partitions)
    {
        var tasks = TasksOf(partitions);
        _log.LogInformation("consumer group {Group} assigned this instance tasks [{Tasks}]", _groupId, string.Join(", ", tasks));
        if (tasks.Count > 0) Enqueue(new TaskChange.Assigned(tasks));
        _assignedAtEnd.AddRange(partitions);
        return partitions.Select(p => new TopicPartitionOffset(p, Offset.End));
    }

    private void Revoked(List<TopicPartition> partitions)
    {
        var tasks = TasksOf(partitions);
        if (tasks.Count == 0) return;
        _log.LogInformation("consumer group {Group} is rebalancing: handing over tasks [{Tasks}] once the batch in progress has committed", _groupId, string.Join(", ", tasks));
        // When the query itself stops, its last batch has committed already: nothing to wait for.
        if (_stop.IsCancellationRequested) return;
        Enqueue(new TaskChange.Revoked(tasks));
        bool released;
        try
        {
            released = _released.Wait(_releaseTimeout, _stop.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        if (!released)
            _log.LogWarning("consumer group {Group}: the engine did not let go of tasks [{Tasks}] within {Seconds:0} s; they are handed over anyway and their batch in progress will not commit",
                _groupId, string.Join(", ", tasks), _releaseTimeout.TotalSeconds);
    }

    private void Lost(List<TopicPartition> partitions)
    {
        var tasks = TasksOf(partitions);
        if (tasks.Count == 0) return;
        _log.LogWarning("consumer group {Group}: tasks [{Tasks}] were lost (this instance missed its session); dropping them without committing", _groupId, string.Join(", ", tasks));
        Enqueue(new TaskChange.Lost(tasks));
    }

    /// <summary>The tasks of an assignment, checked to be co-partitioned: every topic's same partition numbers.</summary>
    private List<int> TasksOf(IReadOnlyList<TopicPartition> partitions)
    {
        var byTopic = _topics.ToDictionary(t => t, t => partitions.Where(p => p.Topic == t).Select(p => p.Partition.Value).Order().ToList());
        var tasks = byTopic[_topics[0]];
        var mismatch = byTopic.FirstOrDefault(t => !t.Value.SequenceEqual(tasks));
        if (mismatch.Key is not null)
            throw new InvalidOperationException(
                $"the group assigned partitions [{string.Join(", ", tasks)}] of {_topics[0]} but [{string.Join(", ", mismatch.Value)}] of {mismatch.Key}: " +
                "every member must subscribe to the same topics with the range assignor (are other consumers in this group?)");
        var outOfRange = tasks.Where(t => t >= _taskCount).ToList();
        if (outOfRange.Count > 0)
            throw new InvalidOperationException($"the group assigned partitions [{string.Join(", ", outOfRange)}], beyond the query's {_taskCount} tasks: did the topics gain partitions?");
        return tasks;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread?.Join(TimeSpan.FromSeconds(30));
        _stop.Dispose();
    }
}
