using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Messages;
using TopUpSpark.Streaming.Checkpointing;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Progress;
using TopUpSpark.Streaming.Sinks;
using TopUpSpark.Streaming.Sources;
using TopUpSpark.Streaming.State;
using TopUpSpark.Streaming.Tasks;

namespace TopUpSpark.Streaming.Execution;

/// <summary>
/// Spark's <c>MicroBatchExecution</c> over the tasks this instance runs. A batch: write each task's offset
/// range and watermarks ahead (<c>walCommit</c>); read the ranges (<c>getBatch</c>); run every operator for
/// every task, each against its own state (<c>execute</c>); write the sinks, the dead letters and each
/// task's state side by side (<c>addBatch</c>); record each task's commit with its largest event times
/// (<c>commit</c>). Tasks come and go with the assignment: a task taken over is restored from its
/// checkpoint, and a batch it planned but never committed is replayed with the same offsets and watermarks.
/// </summary>
internal sealed class MicroBatchExecution : IDisposable
{
    private readonly StreamingQueryOptions _options;
    private readonly int _cores;
    private readonly QueryPlan _plan;
    private readonly IDeadLetterSink? _deadLetters;
    private readonly QueryCheckpoint _checkpoint;
    private readonly ITaskAssignment _assignment;
    private readonly GlobalWatermark _watermark;
    private readonly ProgressReporter _progress;
    private readonly BatchGarbage _garbage = new();
    private readonly ReadAhead _readAhead;
    private readonly ILogger _log;
    private readonly SortedDictionary<int, QueryTask> _tasks = new();
    private readonly Guid _runId = Guid.NewGuid();
    private QueryMetadata _metadata;
    private int _taskCount;
    private long _nextBatchId;
    private DateTimeOffset? _lastEvictionWatermark;
    private long? _previousBatchStarted;
    private Dictionary<string, SourceOffsets>? _availableNowTargets;

    public MicroBatchExecution(StreamingQueryOptions options, int cores, QueryPlan plan, IDeadLetterSink? deadLetters, ILoggerFactory loggers)
    {
        _options = options;
        _cores = cores;
        _plan = plan;
        _deadLetters = deadLetters;
        _log = loggers.CreateLogger($"query.{options.Name}");
        _checkpoint = new QueryCheckpoint(options.CheckpointStorage ?? new FileCheckpointStorage(options.CheckpointLocation));
        _assignment = options.TaskAssignment ?? new StaticTaskAssignment();
        _watermark = new GlobalWatermark(plan.EventTimeInputs);
        _progress = new ProgressReporter(_log, options.ProgressFile);
        _readAhead = new ReadAhead(cores, _log);
        _metadata = _checkpoint.ReadOrCreateMetadata(new QueryMetadata(Guid.NewGuid(), options.Time.GetUtcNow(), []));
    }

    public Guid Id => _metadata.Id;
    public QueryTotals Totals { get; } = new();
    public ProgressReporter Progress => _progress;
    public DateTimeOffset? CurrentWatermark => _watermark.Current;
    public Task AssignmentChanged => _assignment.ChangesPending;
    public IReadOnlyCollection<int> OwnedTasks => _tasks.Keys;
    public long LastBatchId => _nextBatchId - 1;

    private bool OwnsAllTasks => _tasks.Count == _taskCount;

    /// <summary>Checks the checkpoint against the inputs, removes a killed run's leftovers, prepares the sinks and joins the assignment.</summary>
    public void Start()
    {
        if (_checkpoint.HasSingleLogLayout)
            throw new CheckpointMismatchException(
                $"the checkpoint {_checkpoint.Location} was written by an earlier TopUpSpark, which kept one log for the whole query; " +
                "this version keeps one per task (a partition number of the inputs). Start with a new --checkpoint (and --out).");
        _taskCount = CoPartitionedTaskCount();
        if (_metadata.Partitions is { } recorded && recorded != _taskCount)
            throw new CheckpointMismatchException(
                $"the checkpoint {_checkpoint.Location} holds the state of {recorded} tasks, one per partition of {Inputs} when it was written, but they have {_taskCount} partitions now. " +
                "A key's state lives in the task of its partition, so the count cannot change under a checkpoint: start with a new --checkpoint, or give the topics back their partitions.");
        CheckKafkaClusters();
        foreach (var leftover in _checkpoint.RemoveLeftovers()) LogLeftover(leftover);
        foreach (var (node, sink) in _plan.Sinks) sink.Prepare(node.Schema);
        _log.LogInformation("query {Name} ({Id}) runs {Assignment} of {Tasks} on instance {Instance}; checkpoint {Checkpoint}",
            _options.Name, Id, _assignment.Description, _taskCount, _options.Instance, _checkpoint.Location);
        _assignment.Start(_taskCount, _plan.Scans.Keys.ToList());
        CheckpointJson.CompileAhead();
        _garbage.CollectStartGarbage();
    }

    private string Inputs => string.Join(" and ", _plan.Scans.Keys);

    /// <summary>A task is one partition number of every input: they must all have the same partition count.</summary>
    private int CoPartitionedTaskCount()
    {
        var counts = _plan.Scans.ToDictionary(s => s.Key, s => s.Value.Source.Partitions().Count, StringComparer.Ordinal);
        if (counts.Values.Distinct().Count() > 1)
            throw new InvalidOperationException(
                $"the inputs are not co-partitioned: {string.Join(", ", counts.Select(c => $"{c.Key} has {c.Value} partitions"))}. " +
                "Each task of the query is one partition number of every input, holding the state of the keys of that partition, so every input " +
                "needs the same partition count (and the same partitioner on the same key, see docs/scaling.md).");
        return counts.Values.First();
    }

    /// <summary>
    /// Offsets mean something only on the cluster they were read from: a checkpoint written against another
    /// Kafka (a new embedded broker is another cluster) is refused rather than resumed at offsets that the
    /// new cluster's topics may not have, or that hold other messages there.
    /// </summary>
    private void CheckKafkaClusters()
    {
        var recorded = new Dictionary<string, string>(_metadata.KafkaClusters ?? [], StringComparer.Ordinal);
        foreach (var (topic, scan) in _plan.Scans)
        {
            if (scan.Source.ClusterId() is not { } cluster) continue;
            if (!recorded.TryGetValue(topic, out var expected))
            {
                recorded[topic] = cluster;
                continue;
            }
            if (expected != cluster)
                throw new CheckpointMismatchException(
                    $"the checkpoint {_checkpoint.Location} was written against Kafka cluster '{expected}' (topic {topic}), but {scan.Source.Description} " +
                    $"is on cluster '{cluster}'. Its offsets mean nothing on another cluster — each start of the embedded broker is a new one. " +
                    "Start with a new --checkpoint (and --out) to read this cluster from the beginning, or point --bootstrap-servers at the cluster the checkpoint belongs to.");
        }
        if (recorded.Count == (_metadata.KafkaClusters?.Count ?? 0) && _metadata.Partitions == _taskCount) return;
        _metadata = _metadata with { KafkaClusters = recorded, Partitions = _taskCount };
        _checkpoint.WriteMetadata(_metadata);
    }

    /// <summary>Applies what the assignment changed: gives up revoked and lost tasks, restores assigned ones and replays their unfinished batches.</summary>
    public void ApplyAssignmentChanges()
    {
        foreach (var change in _assignment.TakeChanges())
        {
            switch (change)
            {
                case TaskChange.Assigned assigned:
                    Acquire(assigned.Tasks);
                    break;
                case TaskChange.Revoked revoked:
                    // Batches run on this thread: the last one of these tasks has committed already.
                    foreach (var task in revoked.Tasks) _tasks.Remove(task);
                    _readAhead.Discard();
                    _log.LogInformation("handed over tasks [{Tasks}]; running [{Owned}]", string.Join(", ", revoked.Tasks), string.Join(", ", _tasks.Keys));
                    _assignment.Released(revoked.Tasks);
                    break;
                case TaskChange.Lost lost:
                    foreach (var task in lost.Tasks) _tasks.Remove(task);
                    _readAhead.Discard();
                    break;
            }
        }
    }

    private void Acquire(IReadOnlyList<int> numbers)
    {
        var acquired = numbers.Where(n => !_tasks.ContainsKey(n)).Select(Restore).ToList();
        var fresh = acquired.Where(t => t.LastCommitted is null && t.Uncommitted is null).Select(t => t.Number).ToList();
        foreach (var (topic, scan) in _plan.Scans)
        {
            // Without a checkpoint a task starts where startingOffsets say, resolved once: asking again at
            // every poll would, with 'latest', skip what arrived between two polls.
            if (fresh.Count > 0)
                foreach (var (partition, offset) in scan.Source.InitialOffsets(fresh).Next)
                    _tasks[partition].Next[topic] = offset;
            scan.Source.Prepare(Positions(topic, _tasks.Values));
        }
        _log.LogInformation("took tasks [{Tasks}]; running [{Owned}]", string.Join(", ", acquired.Select(t => t.Number)), string.Join(", ", _tasks.Keys));
        foreach (var replay in acquired.Where(t => t.Uncommitted is not null).GroupBy(t => t.Uncommitted!.BatchId).OrderBy(g => g.Key))
        {
            var offsets = replay.First().Uncommitted!;
            _log.LogWarning("batch {Batch} of tasks [{Tasks}] was planned but not committed (the instance running them stopped mid-batch): replaying it with the same offsets",
                replay.Key, string.Join(", ", replay.Select(t => t.Number)));
            RunBatch(new PlannedBatch(replay.Key, offsets.BatchTimestamp, offsets.EvictionWatermark,
                replay.Select(t => new PlannedTask(t, t.Uncommitted!)).ToList(), IsReplay: true));
        }
    }

    private QueryTask Restore(int number)
    {
        var log = _checkpoint.Task(number);
        if (log.Query is { } owner && owner != Id)
            throw new CheckpointMismatchException(
                $"the task folder {log.Location} was written by query {owner}, not by this query ({Id}, {_checkpoint.Location}/metadata): was a checkpoint put together from two? " +
                "Start with a new --checkpoint.");
        foreach (var leftover in log.RemoveLeftovers().Concat(_plan.Sinks.SelectMany(s => s.Sink.RemoveLeftovers([number])))) LogLeftover(leftover);
        log.Claim(Id, _options.Instance, _options.Time.GetUtcNow());
        var task = new QueryTask(number, log, _plan.Stateful.ToDictionary(s => s.Node, s => s.Operator.CreateStore()));
        var commit = log.LatestCommit();
        if (commit is null)
        {
            foreach (var store in task.Stores.Values) store.Restore(null, []);
        }
        else
        {
            var chains = log.ReadState(commit.BatchId);
            foreach (var stateful in _plan.Stateful)
            {
                if (!chains.TryGetValue(stateful.Id, out var chain))
                    throw new CheckpointMismatchException($"{log.Location} has no state for operator '{stateful.Id}': was the query changed since it was written?");
                task.Stores[stateful.Node].Restore(Reader(chain[0]), chain.Skip(1).Select(Reader));
            }
            foreach (var (topic, offset) in log.ReadOffsets(commit.BatchId).End) task.Next[topic] = offset;
            task.Observe(commit.MaxEventTimes);
            task.LastEvictionWatermark = commit.EvictionWatermark;
            task.LastCommitted = commit.BatchId;
            _nextBatchId = Math.Max(_nextBatchId, commit.BatchId + 1);
        }
        if (log.LatestOffsets() is { } planned && planned.BatchId > (commit?.BatchId ?? -1))
        {
            task.Uncommitted = planned;
            _nextBatchId = Math.Max(_nextBatchId, planned.BatchId + 1);
        }
        if (task.LastEvictionWatermark > _lastEvictionWatermark || _lastEvictionWatermark is null) _lastEvictionWatermark = task.LastEvictionWatermark;
        _watermark.Update(number, task.MaxEventTimes);
        _tasks[number] = task;
        return task;
    }

    private static BinaryReader Reader(byte[] bytes) => new(new MemoryStream(bytes));

    private void LogLeftover(string file) => _log.LogWarning("removed {File}, left by a run that stopped in the middle of writing it", file);

    /// <summary>An available-now run stops at the end of every partition as it is now, taken once for all tasks.</summary>
    public void CaptureAvailableNowTargets()
    {
        var all = Enumerable.Range(0, _taskCount).ToList();
        _availableNowTargets = _plan.Scans.ToDictionary(s => s.Key, s => s.Value.Source.EndOffsets(all), StringComparer.Ordinal);
    }

    /// <summary>
    /// The next batch of the tasks this instance runs: their offset ranges and the watermarks it runs with;
    /// null when there is nothing to do now — no new records, and the watermark closes nothing.
    /// </summary>
    public PlannedBatch? PlanNextBatch()
    {
        if (_tasks.Count == 0) return null;
        if (!OwnsAllTasks) ReadOtherTasksEventTimes();
        var ends = _plan.Scans.ToDictionary(s => s.Key, s => PlanEnd(s.Key, Positions(s.Key, _tasks.Values)), StringComparer.Ordinal);
        // Like Spark, a batch runs whenever a position moved, also without records: a partition whose offsets
        // went back (data loss tolerated) goes on from the broker's offsets, and that must be recorded.
        var hasData = _tasks.Values.Any(t => ends.Any(e => e.Value[t.Number] != t.Next[e.Key]));
        var watermark = EvictionWatermark();
        var watermarkMoved = watermark is { } w && (_lastEvictionWatermark is null || w > _lastEvictionWatermark);
        var noDataBatchNeeded = watermarkMoved && _tasks.Values.Any(t => _plan.Stateful.Any(s => s.Operator.HasWorkAt(t.Stores[s.Node], watermark!.Value)));
        if (!hasData && !noDataBatchNeeded) return null;
        return Plan(watermark, task => ends.ToDictionary(e => e.Key, e => e.Value[task.Number], StringComparer.Ordinal));
    }

    /// <summary>
    /// The end of an available-now run with <c>--flush-at-end</c>: the watermark past everything, so the last open
    /// windows are emitted; for the tasks that hold state and were not flushed in this run yet.
    /// </summary>
    public PlannedBatch? PlanFlushBatch(ISet<int> flushed)
    {
        if (!_tasks.Values.Any(t => t.StateRows > 0 && !flushed.Contains(t.Number))) return null;
        flushed.UnionWith(_tasks.Keys);
        return Plan(DateTimeOffset.MaxValue, task => new Dictionary<string, long>(task.Next, StringComparer.Ordinal));
    }

    private PlannedBatch Plan(DateTimeOffset? evictionWatermark, Func<QueryTask, Dictionary<string, long>> endOf)
    {
        var now = _options.Time.GetUtcNow();
        var tasks = _tasks.Values.Select(task => new PlannedTask(task, new TaskOffsets(_nextBatchId, now,
            new Dictionary<string, long>(task.Next, StringComparer.Ordinal), endOf(task), task.LastEvictionWatermark, evictionWatermark))).ToList();
        return new PlannedBatch(_nextBatchId, now, evictionWatermark, tasks, IsReplay: false);
    }

    /// <summary>The global watermark, never behind one this instance (or the last owner of one of its tasks) already evicted with.</summary>
    private DateTimeOffset? EvictionWatermark() =>
        _watermark.Current is { } global && (_lastEvictionWatermark is null || global > _lastEvictionWatermark) ? global : _lastEvictionWatermark;

    /// <summary>The largest event times of the tasks other instances run, from their latest commits.</summary>
    private void ReadOtherTasksEventTimes()
    {
        foreach (var task in Enumerable.Range(0, _taskCount).Where(t => !_tasks.ContainsKey(t)))
            if (_checkpoint.Task(task).LatestCommit() is { } commit)
                _watermark.Update(task, commit.MaxEventTimes);
    }

    /// <summary>
    /// The tasks run elsewhere that have not committed up to the available-now end: until there are none the
    /// global watermark is not final, and this instance cannot take part in the last step (the windows it
    /// closes, the flush).
    /// </summary>
    public IReadOnlyList<int> TasksBehindTheEnd()
    {
        var targets = AvailableNowTargets;
        return Enumerable.Range(0, _taskCount).Where(t => !_tasks.ContainsKey(t)).Where(task =>
        {
            var log = _checkpoint.Task(task);
            var end = log.LatestCommit() is { } commit ? log.ReadOffsets(commit.BatchId).End : null;
            return targets.Any(t => t.Value[task] > 0 && t.Value[task] > (end?.GetValueOrDefault(t.Key) ?? -1));
        }).ToList();
    }

    /// <summary>Records that this run is done with the tasks this instance runs (they are at the end, and nothing is left to emit).</summary>
    public void RecordAvailableNowEnd(bool flushed)
    {
        foreach (var task in _tasks.Values.Where(t => _finished.Add(t.Number)))
            task.Log.RecordAvailableNowEnd(new AvailableNowEnd(new Dictionary<string, long>(task.Next, StringComparer.Ordinal), flushed));
    }

    // The tasks this instance recorded as finished in this available-now run.
    private readonly HashSet<int> _finished = [];

    /// <summary>
    /// The tasks no instance has finished this run with yet: as long as there are some, an instance stays —
    /// the group may still hand them to it, when the instance running them leaves.
    /// </summary>
    public IReadOnlyList<int> TasksNotFinished(bool flushing)
    {
        var targets = AvailableNowTargets;
        return Enumerable.Range(0, _taskCount).Where(task =>
            _checkpoint.Task(task).AvailableNowEnd() is not { } end
            || (flushing && !end.Flushed)
            || targets.Any(t => t.Value[task] > end.End.GetValueOrDefault(t.Key, -1))).ToList();
    }

    private Dictionary<string, SourceOffsets> AvailableNowTargets => _availableNowTargets ?? throw new InvalidOperationException("not an available-now run");

    private SourceOffsets Positions(string topic, IEnumerable<QueryTask> tasks) =>
        new(tasks.ToImmutableSortedDictionary(t => t.Number, t => t.Next[topic]));

    /// <summary>Where a batch starting at <paramref name="start"/> ends (Spark's <c>latestOffset</c> with the read limit).</summary>
    private SourceOffsets PlanEnd(string topic, SourceOffsets start) =>
        _plan.Scans[topic].Source.LatestOffsets(start, _options.MaxRecordsPerTrigger, _availableNowTargets?[topic]);

    /// <summary>Runs one planned batch to its commit. A stop request waits for it: batches are short, and a stopped query leaves no half-done batch.</summary>
    public void RunBatch(PlannedBatch batch)
    {
        var timer = new PhaseTimer();
        var usageBefore = ProcessUsage.Now();
        if (!batch.IsReplay) timer.Time("walCommit", () => ForEachTask(batch.Tasks, planned => planned.Task.Log.WriteOffsets(planned.Offsets)));
        var (read, next) = timer.Time("getBatch", () => Read(batch));
        // Tasks run side by side on the cores; a lone task's operators use them themselves.
        var coresPerTask = batch.Tasks.Count >= _cores ? 1 : _cores;
        var contexts = batch.Tasks.Select(planned => new BatchContext(batch.BatchId, planned.Task.Number,
            new BatchWatermarks(planned.Offsets.LateRowsWatermark, planned.Offsets.EvictionWatermark), coresPerTask,
            read.ToDictionary(r => r.Key, r => r.Value.ForPartition(planned.Task.Number)), planned.Task.Stores)).ToList();
        var outputs = timer.Time("execute", () => Execute(contexts, read, () => _readAhead.Start(next)));
        batch = StillOwned(batch, contexts, outputs);
        if (batch.Tasks.Count == 0)
        {
            foreach (var records in read.Values) records.Dispose();
            return;
        }
        var part = new BatchPart(Id, _options.Name, batch.BatchId, batch.Tasks.Select(t => t.Task.Number).ToList());
        timer.Time("addBatch", () => AddBatch(batch, part, contexts, outputs));
        foreach (var records in read.Values) records.Dispose();
        timer.Time("commit", () => Commit(batch, contexts));
        var sinkRows = _plan.Sinks.Select(s => (s.Sink.Description, (long)outputs.Sum(o => o[s.Node].Count))).ToList();
        outputs.Clear();
        if (timer.Time("collectGarbage", _garbage.CollectIfDue) is false) timer.Durations.Remove("collectGarbage");
        timer.Finish();
        Report(batch, contexts, timer, sinkRows, ProcessUsage.Now().Since(usageBefore));
    }

    /// <summary>
    /// Each source's records of the batch's ranges, read side by side (or taken from the read-ahead); in an
    /// available-now run also the ranges of the next batch, read ahead once this batch's bytes are let go.
    /// </summary>
    private (Dictionary<IStreamSource, SourceRecords> Records, IReadOnlyList<SourceRange> Next) Read(PlannedBatch batch)
    {
        var ranges = _plan.Scans.Select(s => new SourceRange(s.Key, s.Value.Source,
            new SourceOffsets(batch.Tasks.ToImmutableSortedDictionary(t => t.Task.Number, t => t.Offsets.Start[s.Key])),
            new SourceOffsets(batch.Tasks.ToImmutableSortedDictionary(t => t.Task.Number, t => t.Offsets.End[s.Key])))).ToList();
        var records = _readAhead.Take(ranges);
        var next = _availableNowTargets is null ? [] : ranges.Select(r => r with { From = r.To, To = PlanEnd(r.Topic, r.To) }).ToList();
        return (ranges.Select((r, i) => (r.Source, records[i])).ToDictionary(x => x.Source, x => x.Item2), next);
    }

    /// <summary>
    /// Every operator, in order, for every task — the tasks side by side, as each has its own records and
    /// state, each task running its operators one after the other, so that its rows go from one to the next
    /// while they are in the processor's cache and no core waits for the other's tasks between two operators.
    /// A node's inputs are let go once nothing reads them. The tasks wait for one another once: where the last
    /// decode is done, so that the sources' bytes go back to the pool and <paramref name="recordsReleased"/> starts
    /// reading the next batch. The bytes of two batches are then not held at once (about 40 MiB of a full
    /// replay's peak), and the read still overlaps the rest of this batch, its longer part.
    /// </summary>
    private List<Dictionary<PlanNode, IReadOnlyList<object?[]>>> Execute(List<BatchContext> contexts, Dictionary<IStreamSource, SourceRecords> read,
        Action recordsReleased)
    {
        var outputs = contexts.Select(_ => new Dictionary<PlanNode, IReadOnlyList<object?[]>>()).ToList();
        var order = _plan.Order;
        // Each operator's time summed over the tasks, as Spark sums an operator's duration over its tasks.
        var ticks = new long[order.Count];
        var lastDecode = order.Select((node, i) => _plan.LastReadersOfRecords.ContainsKey(node) ? i : -1).Max();
        RunOperators(0, lastDecode + 1);
        // Bytes that sinks or other operators read live to the end of the batch: then the read starts at once.
        foreach (var sources in _plan.LastReadersOfRecords.Values)
            foreach (var source in sources) read[source].Dispose();
        recordsReleased();
        RunOperators(lastDecode + 1, order.Count);
        for (var i = 0; i < order.Count; i++)
            contexts[0].Count($"operatorMs.{order[i].Name}", (long)System.Diagnostics.Stopwatch.GetElapsedTime(0, ticks[i]).TotalMilliseconds);
        return outputs;

        void RunOperators(int from, int to) => RunSideBySide(contexts.Count, t =>
        {
            var taskOutputs = outputs[t];
            for (var i = from; i < to; i++)
            {
                var node = order[i];
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                taskOutputs[node] = node.Execute(contexts[t], node.Inputs.Select(input => taskOutputs[input]).ToList());
                foreach (var done in _plan.OutputsDoneAfter[node]) taskOutputs.Remove(done);
                Interlocked.Add(ref ticks[i], System.Diagnostics.Stopwatch.GetTimestamp() - started);
            }
        });
    }

    /// <summary>
    /// Before anything leaves the instance: a task another instance took in the meantime (this one was frozen
    /// past its group session) is dropped from the batch — it will be replayed by its new owner. With a
    /// fixed assignment that is another instance started on the same tasks by mistake, and an error.
    /// </summary>
    private PlannedBatch StillOwned(PlannedBatch batch, List<BatchContext> contexts, List<Dictionary<PlanNode, IReadOnlyList<object?[]>>> outputs)
    {
        var taken = batch.Tasks.Select(t => (Planned: t, By: t.Task.Log.TakenBy())).Where(t => t.By is not null).ToList();
        if (taken.Count == 0) return batch;
        var owners = string.Join(", ", taken.Select(t => $"task {t.Planned.Task.Number} by {t.By}"));
        if (_assignment.IsStatic)
            throw new InvalidOperationException(
                $"another instance took tasks of this query ({owners}) while this one ({_options.Instance}) runs them with a fixed assignment: " +
                "start one instance per set of --tasks, or let a consumer group share them out (--group-id)");
        _log.LogWarning("tasks taken over by other instances ({Owners}): dropping them from batch {Batch} uncommitted", owners, batch.BatchId);
        foreach (var (planned, _) in taken)
        {
            _tasks.Remove(planned.Task.Number);
            var index = batch.Tasks.ToList().IndexOf(planned);
            contexts.RemoveAt(index);
            outputs.RemoveAt(index);
            batch = batch with { Tasks = batch.Tasks.Where(t => t != planned).ToList() };
        }
        return batch;
    }

    /// <summary>Sinks, dead letters and each task's state only read this batch's results: they are written side by side, the state first, as it is usually the longest write.</summary>
    private void AddBatch(PlannedBatch batch, BatchPart part, List<BatchContext> contexts, List<Dictionary<PlanNode, IReadOnlyList<object?[]>>> outputs)
    {
        var stores = _plan.Stateful.Select(s => (s.Id, s.Node)).ToList();
        var writes = batch.Tasks.Select(t => (Name: "state snapshot",
                Write: (Action)(() => t.Task.Log.WriteState(batch.BatchId, stores.Select(s => (s.Id, t.Task.Stores[s.Node])).ToList()))))
            .Concat(_plan.Sinks.Select(s => (Name: s.Sink.Description, Write: (Action)(() => WriteSink(s.Node, s.Sink, batch, part, outputs)))))
            .ToList();
        var letters = contexts.SelectMany(c => c.DeadLetters).ToList();
        if (_deadLetters is not null && letters.Count > 0) writes.Add(("dead letters", () => _deadLetters.Send(part, letters)));
        RunSideBySide(writes.Count, i =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            writes[i].Write();
            contexts[0].Count($"writeMs.{writes[i].Name}", clock.ElapsedMilliseconds);
        });
    }

    private void WriteSink(PlanNode node, IBatchSink sink, PlannedBatch batch, BatchPart part, List<Dictionary<PlanNode, IReadOnlyList<object?[]>>> outputs)
    {
        var rows = batch.Tasks.Select((t, i) => new TaskRows(t.Task.Number, outputs[i][node])).ToList();
        if (sink.DeliveryLog is not { } name)
        {
            sink.AddBatch(new SinkBatch(part, node.Schema, rows, batch.IsReplay), CancellationToken.None);
            return;
        }
        var log = _checkpoint.Deliveries(name);
        var delivered = batch.IsReplay ? log.Delivered(batch.BatchId) : [];
        var undelivered = rows.Where(r => !delivered.Contains(r.Task)).ToList();
        if (undelivered.Count == 0) return;
        var tasks = undelivered.Select(r => r.Task).ToList();
        sink.AddBatch(new SinkBatch(part with { Tasks = tasks }, node.Schema, undelivered, batch.IsReplay), CancellationToken.None);
        log.Record(batch.BatchId, tasks);
        // Old records are removed off the batch's path, as the task logs' old entries are.
        if (batch.BatchId % TaskLog.SnapshotInterval == 0)
        {
            var owned = _tasks.Keys.ToHashSet();
            _ = Task.Run(() => log.RemoveBefore(batch.BatchId - TaskLog.RetainBatches, owned));
        }
    }

    /// <summary>Runs <paramref name="work"/> for 0 … count − 1 on up to <c>cores</c> threads (on this one alone for one); the first failure is rethrown as itself.</summary>
    private void RunSideBySide(int count, Action<int> work)
    {
        if (count == 1)
        {
            work(0);
            return;
        }
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = _cores }, work);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    private void ForEachTask(IReadOnlyList<PlannedTask> tasks, Action<PlannedTask> write) => RunSideBySide(tasks.Count, i => write(tasks[i]));

    private void Commit(PlannedBatch batch, List<BatchContext> contexts)
    {
        RunSideBySide(batch.Tasks.Count, i =>
        {
            var task = batch.Tasks[i].Task;
            task.Observe(contexts[i].MaxEventTimes.ToDictionary(m => ((IEventTimeSource)m.Key).InputName, m => m.Value, StringComparer.Ordinal));
            task.Log.WriteCommit(new TaskCommit(batch.BatchId, batch.EvictionWatermark, new Dictionary<string, DateTimeOffset>(task.MaxEventTimes, StringComparer.Ordinal)));
        });
        foreach (var (task, offsets) in batch.Tasks)
        {
            foreach (var (topic, end) in offsets.End) task.Next[topic] = end;
            task.LastEvictionWatermark = batch.EvictionWatermark;
            task.LastCommitted = batch.BatchId;
            task.Uncommitted = null;
            _watermark.Update(task.Number, task.MaxEventTimes);
        }
        if (batch.EvictionWatermark > _lastEvictionWatermark || _lastEvictionWatermark is null) _lastEvictionWatermark = batch.EvictionWatermark;
        _nextBatchId = Math.Max(_nextBatchId, batch.BatchId + 1);
    }

    private void Report(PlannedBatch batch, List<BatchContext> contexts, PhaseTimer timer, List<(string Sink, long Rows)> sinkRows, ProcessUsage usage)
    {
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var context in contexts)
            foreach (var (name, value) in context.Counters)
                counters[name] = counters.GetValueOrDefault(name) + value;
        if (usage.GcPause > TimeSpan.Zero) counters[QueryProgress.GcPauseMetric] = (long)usage.GcPause.TotalMilliseconds;
        if (usage.Cpu > TimeSpan.Zero) counters[QueryProgress.ProcessCpuMetric] = (long)usage.Cpu.TotalMilliseconds;
        var sources = _plan.Scans.Select(s => new SourceProgress(s.Value.Source.Description,
            batch.Tasks.ToDictionary(t => t.Task.Number, t => t.Offsets.Start[s.Key]),
            batch.Tasks.ToDictionary(t => t.Task.Number, t => t.Offsets.End[s.Key]),
            counters.GetValueOrDefault($"{s.Key}.inputRows"))).ToList();
        var inputRows = sources.Sum(s => s.NumInputRows);
        var eventTime = new Dictionary<string, string?>
        {
            ["watermark"] = batch.EvictionWatermark == DateTimeOffset.MaxValue ? "flushed" : batch.EvictionWatermark?.ToString("O"),
            ["lateRowsWatermark"] = batch.Tasks.Select(t => t.Offsets.LateRowsWatermark).Min()?.ToString("O"),
            ["nextWatermark"] = _watermark.Current?.ToString("O"),
        };
        foreach (var (input, max) in _watermark.ByInput().Where(w => w.Value is not null))
            eventTime[$"max.{input}"] = (max!.Value + _watermark.Delays[input]).ToString("O");
        var stateOperators = _plan.Stateful.Select(s => new StateOperatorProgress(s.Id, _tasks.Values.Sum(t => t.Stores[s.Node].Rows),
            contexts.Sum(c => c.LateRowsDropped.GetValueOrDefault(s.Node)))).ToList();
        var metrics = new Dictionary<string, long>(counters);
        foreach (var (sink, rows) in sinkRows) metrics[$"sink.{sink}.rows"] = rows;
        var seconds = Math.Max(timer.Elapsed.TotalSeconds, 1e-6);
        // As Spark: the input rate spreads the rows over the time since the previous batch started (the wait for data
        // included), the processing rate over this batch's own time; a first batch has only the latter.
        var sincePrevious = _previousBatchStarted is { } previous ? Math.Max(Stopwatch.GetElapsedTime(previous, timer.Started).TotalSeconds, 1e-6) : seconds;
        _previousBatchStarted = timer.Started;
        var progress = new QueryProgress(Id, _runId, _options.Name, _options.Instance, batch.Tasks.Select(t => t.Task.Number).ToList(),
            batch.BatchId, batch.Timestamp, inputRows, inputRows / sincePrevious, inputRows / seconds, timer.Durations, eventTime, stateOperators, sources,
            _plan.Sinks.Select(s => s.Sink.Description).ToList(),
            contexts.Sum(c => c.LateRowsDropped.Values.Sum()), contexts.Sum(c => c.DeadLetters.Count),
            contexts.Sum(c => c.InvalidValues), _plan.Scans.Values.Sum(s => s.Source.LostRecords), metrics);
        Totals.Add(progress, sinkRows);
        _progress.Report(progress);
    }

    public void Dispose()
    {
        // Also after a failed batch: a read ahead may still be using the sources.
        _readAhead.Discard();
        _progress.Dispose();
        _assignment.Dispose();
        foreach (var scan in _plan.Scans.Values) scan.Source.Dispose();
    }
}

/// <summary>A batch as planned: its id, when, the eviction watermark, and each task's ranges (with its own late-row watermark).</summary>
internal sealed record PlannedBatch(long BatchId, DateTimeOffset Timestamp, DateTimeOffset? EvictionWatermark, IReadOnlyList<PlannedTask> Tasks, bool IsReplay);

internal sealed record PlannedTask(QueryTask Task, TaskOffsets Offsets);
