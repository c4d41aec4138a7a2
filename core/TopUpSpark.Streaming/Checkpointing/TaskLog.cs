using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using TopUpSpark.Streaming.State;

namespace TopUpSpark.Streaming.Checkpointing;

/// <summary>
/// The checkpoint of one task, laid out like Spark's per query but per task, in two <see cref="RecordLog"/>s:
/// <c>log/</c>, a JSON line per record — a batch's offsets, appended before batch N runs (the task's offset range
/// per input and the watermarks the batch runs with), and its commit, appended last (batch N is done, with the
/// task's largest event time per input); and <c>state/</c>, each stateful operator's store after batch N — a
/// whole snapshot starting each segment, every <see cref="SnapshotInterval"/> writes and at each writer's first,
/// the delta since the previous write in between. Beside them <c>owner</c> (the instance that runs it) and
/// <c>query</c> (the query it belongs to). Batch ids are the instance's, shared by the tasks of one batch, so a
/// task's log may skip ids after moving between instances. Old segments beyond <see cref="RetainBatches"/> are
/// removed, never the latest snapshot's and what follows it. Earlier versions wrote a file per record
/// (<c>offsets/N</c>, <c>state/N</c>, <c>commits/N</c>): those are still read, and removed with age.
/// </summary>
public sealed class TaskLog
{
    public const int SnapshotInterval = 10;
    public const int RetainBatches = 50;

    private readonly ICheckpointStorage _storage;
    private readonly string _folder;
    private readonly RecordLog _log;
    private readonly RecordLog _state;
    // Deltas this writer appended since its last snapshot.
    private int _deltasSinceSnapshot;
    private long _purgedAt = -1;

    internal TaskLog(ICheckpointStorage storage, int task)
    {
        _storage = storage;
        Task = task;
        _folder = $"tasks/{task.ToString(CultureInfo.InvariantCulture)}";
        _log = new RecordLog(storage, $"{_folder}/log", RecordFraming.Lines);
        _state = new RecordLog(storage, $"{_folder}/{StateFolder}", RecordFraming.Sized);
    }

    public int Task { get; }

    public string Location => _storage.Locate(_folder);

    private string PathOf(string kind, long batchId) => $"{_folder}/{kind}/{batchId.ToString(CultureInfo.InvariantCulture)}";

    public void WriteOffsets(TaskOffsets entry) => Append(entry.BatchId, new TaskLogRecord(entry, null));

    public TaskOffsets? LatestOffsets() =>
        Newest(LatestLogged(r => r.Offsets, o => o.BatchId), Latest(LegacyOffsets) is { } id ? ReadLegacyOffsets(id) : null, o => o.BatchId);

    public TaskOffsets ReadOffsets(long batchId) =>
        _log.Segments().Where(s => s.FirstBatch <= batchId).SelectMany(LogRecords).Select(r => r.Offsets).FirstOrDefault(o => o?.BatchId == batchId)
        ?? ReadLegacyOffsets(batchId)
        ?? throw new InvalidDataException($"{Location} holds no offsets of batch {batchId}");

    private TaskOffsets? ReadLegacyOffsets(long batchId) => ReadJson(PathOf(LegacyOffsets, batchId), CheckpointJson.Default.TaskOffsets);

    public void WriteCommit(TaskCommit entry)
    {
        Append(entry.BatchId, new TaskLogRecord(null, entry));
        Purge(entry.BatchId);
    }

    public TaskCommit? LatestCommit() =>
        Newest(LatestLogged(r => r.Commit, c => c.BatchId),
            Latest(LegacyCommits) is { } id ? ReadJson(PathOf(LegacyCommits, id), CheckpointJson.Default.TaskCommit) : null, c => c.BatchId);

    private static T? Newest<T>(T? logged, T? legacy, Func<T, long> batchId) where T : class =>
        logged is null || (legacy is not null && batchId(legacy) > batchId(logged)) ? legacy : logged;

    /// <summary>
    /// The record of the largest batch among those <paramref name="pick"/> finds, from the newest segments that hold
    /// any: a segment holds batches from its first on, and a later writer's segments start after an earlier one's
    /// commits, so older segments hold older records. Two writers' segments may start at the same batch (one
    /// planned it and stopped, the next replayed it): they are read together.
    /// </summary>
    private T? LatestLogged<T>(Func<TaskLogRecord, T?> pick, Func<T, long> batchId) where T : class
    {
        foreach (var sameStart in _log.Segments().GroupBy(s => s.FirstBatch))
            if (sameStart.SelectMany(LogRecords).Select(pick).OfType<T>().MaxBy(batchId) is { } latest)
                return latest;
        return null;
    }

    private void Append(long batchId, TaskLogRecord record)
    {
        // A segment spans as many batches as the state's snapshots do, so both logs lose their old segments at the same pace.
        var newSegment = _log.SegmentStart is { } first && batchId >= first + SnapshotInterval;
        _log.Append(batchId, newSegment, stream => JsonSerializer.Serialize(stream, record, CheckpointJson.Default.TaskLogRecord));
    }

    private IEnumerable<TaskLogRecord> LogRecords(RecordLog.Segment segment)
    {
        foreach (var line in _log.Records(segment))
        {
            TaskLogRecord? record;
            try
            {
                record = JsonSerializer.Deserialize(line.Span, CheckpointJson.Default.TaskLogRecord);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{_log.Locate(segment)} holds a damaged record ({e.Message}): was it edited by hand?", e);
            }
            if (record is not null) yield return record;
        }
    }

    /// <summary>
    /// Appends each store after <paramref name="batchId"/>, by operator id, to the state log: whole, at the start of
    /// a new segment, every <see cref="SnapshotInterval"/> writes and at this writer's first; else its delta.
    /// </summary>
    public void WriteState(long batchId, IReadOnlyList<(string Id, IStateStore Store)> stores)
    {
        var snapshot = _state.SegmentStart is null || _deltasSinceSnapshot >= SnapshotInterval - 1;
        _state.Append(batchId, newSegment: snapshot, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(batchId);
            writer.Write(snapshot);
            writer.Write(stores.Count);
            foreach (var (id, store) in stores)
            {
                // The store streams to the file; its length is filled in afterwards, so a large state is never held twice in memory.
                writer.Write(id);
                var lengthAt = stream.Position;
                writer.Write(0);
                if (snapshot) store.WriteSnapshot(writer);
                else store.WriteDelta(writer);
                writer.Flush();
                var end = stream.Position;
                stream.Position = lengthAt;
                writer.Write(checked((int)(end - lengthAt - sizeof(int))));
                writer.Flush();
                stream.Position = end;
            }
        });
        _deltasSinceSnapshot = snapshot ? 0 : _deltasSinceSnapshot + 1;
    }

    /// <summary>
    /// What rebuilds each operator's store after <paramref name="batchId"/>, by operator id: its latest
    /// snapshot at or before that batch, then the deltas after it up to that batch, oldest first.
    /// </summary>
    public Dictionary<string, List<byte[]>> ReadState(long batchId)
    {
        // A segment starts with its snapshot; one whose snapshot a kill cut off holds no records, and an older one is used.
        foreach (var segment in _state.Segments().Where(s => s.FirstBatch <= batchId))
        {
            Dictionary<string, List<byte[]>>? chains = null;
            foreach (var record in _state.Records(segment))
            {
                using var reader = new BinaryReader(new MemoryStream(record.ToArray()));
                var batch = reader.ReadInt64();
                var isSnapshot = reader.ReadBoolean();
                // Records after the batch are of batches planned but never committed.
                if (batch > batchId || isSnapshot != (chains is null)) break;
                chains ??= new Dictionary<string, List<byte[]>>(StringComparer.Ordinal);
                var count = reader.ReadInt32();
                for (var i = 0; i < count; i++)
                {
                    var id = reader.ReadString();
                    var part = reader.ReadBytes(reader.ReadInt32());
                    if (isSnapshot) chains[id] = [part];
                    else if (chains.TryGetValue(id, out var chain)) chain.Add(part);
                    else throw new InvalidDataException($"{_state.Locate(segment)} holds a delta of batch {batch} for '{id}', which its snapshot does not have");
                }
            }
            if (chains is not null) return chains;
        }
        return ReadLegacyState(batchId);
    }

    /// <summary>The state as earlier versions wrote it, a file per batch (<c>state/N</c>): the latest snapshot at or before <paramref name="batchId"/>, then the deltas.</summary>
    private Dictionary<string, List<byte[]>> ReadLegacyState(long batchId)
    {
        var chains = new Dictionary<string, List<byte[]>>(StringComparer.Ordinal);
        var complete = new HashSet<string>(StringComparer.Ordinal);
        foreach (var batch in Ids(StateFolder).Where(id => id <= batchId).OrderDescending())
        {
            var bytes = _storage.Read(PathOf(StateFolder, batch)) ?? throw new InvalidDataException($"{_storage.Locate(PathOf(StateFolder, batch))} vanished while it was read");
            using var reader = new BinaryReader(new MemoryStream(bytes));
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                var id = reader.ReadString();
                var isSnapshot = reader.ReadBoolean();
                var part = reader.ReadBytes(reader.ReadInt32());
                if (complete.Contains(id)) continue;
                if (!chains.TryGetValue(id, out var chain)) chains[id] = chain = [];
                chain.Insert(0, part);
                if (isSnapshot) complete.Add(id);
            }
            if (chains.Count > 0 && complete.Count == chains.Count) return chains;
        }
        throw new InvalidDataException($"the state of {Location} after batch {batchId} has no snapshot to start from: was the checkpoint trimmed by hand?");
    }

    /// <summary>
    /// An available-now run finished this task: it read up to <see cref="AvailableNowEnd.End"/>, ran the batch the
    /// final watermark called for, and flushed when asked. Instances of the run read it to know when all are done.
    /// </summary>
    public void RecordAvailableNowEnd(AvailableNowEnd end) => WriteJson($"{_folder}/available-now", end, CheckpointJson.Default.AvailableNowEnd);

    public AvailableNowEnd? AvailableNowEnd() => ReadJson($"{_folder}/available-now", CheckpointJson.Default.AvailableNowEnd);

    /// <summary>The query this task's folder belongs to; null for a folder of none yet.</summary>
    public Guid? Query => ReadJson($"{_folder}/query", CheckpointJson.Default.TaskIdentity)?.QueryId;

    public void Claim(Guid queryId, string instance, DateTimeOffset now)
    {
        if (Query is null) WriteJson($"{_folder}/query", new TaskIdentity(queryId), CheckpointJson.Default.TaskIdentity);
        WriteJson(OwnerFile, new TaskOwner(instance, now), CheckpointJson.Default.TaskOwner);
        _claimed = (instance, _storage.Version(OwnerFile));
    }

    private string OwnerFile => $"{_folder}/owner";
    private (string Instance, long? Version)? _claimed;

    /// <summary>The instance that last took this task; null for none.</summary>
    public TaskOwner? Owner => ReadJson(OwnerFile, CheckpointJson.Default.TaskOwner);

    /// <summary>
    /// Whether another instance took the task since this one claimed it (its name, or null). Asked before
    /// every batch's outputs, so it looks at the owner file's version first and reads it only when that changed.
    /// </summary>
    public string? TakenBy()
    {
        if (_claimed is not { } claimed) return null;
        if (_storage.Version(OwnerFile) == claimed.Version) return null;
        return Owner?.Instance is { } owner && owner != claimed.Instance ? owner : null;
    }

    /// <summary>Temporary files of writes to this task's folder that a killed run never finished.</summary>
    public IReadOnlyList<string> RemoveLeftovers() => _storage.RemoveLeftovers(_folder, recursive: true);

    private const string StateFolder = "state";
    private const string LegacyOffsets = "offsets";
    private const string LegacyCommits = "commits";

    private long? Latest(string kind) => Ids(kind).Select(id => (long?)id).Max();

    private IEnumerable<long> Ids(string kind) =>
        _storage.List($"{_folder}/{kind}")
            .Select(n => long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1)
            .Where(id => id >= 0);

    /// <summary>
    /// Every <see cref="SnapshotInterval"/> batches, removes what is older than both the retention and this writer's
    /// latest snapshot (the start of its state segment: a batch's state is written before its commit) — in the
    /// background: ten batches' files of every task take tens of milliseconds to delete on a slow disk, which the
    /// batch that commits would otherwise wait out. Nothing removed is needed to recover. While a removal runs, a
    /// newer one is not started but left to it: it goes on to the newest bound when done, so none is lost, even
    /// after the last commit of a run.
    /// </summary>
    private void Purge(long committed)
    {
        if (_state.SegmentStart is not { } snapshot || committed - _purgedAt < SnapshotInterval) return;
        _purgedAt = committed;
        lock (_removal)
        {
            _removal.KeepFrom = Math.Max(_removal.KeepFrom, Math.Min(committed - RetainBatches, snapshot));
            if (_removal.Running) return;
            _removal.Running = true;
        }
        System.Threading.Tasks.Task.Run(RemoveUntilCaughtUp);
    }

    private void RemoveUntilCaughtUp()
    {
        try
        {
            while (true)
            {
                long keepFrom;
                lock (_removal)
                {
                    // Decided under the lock that a purge takes, so that no newer bound arrives between deciding and stopping.
                    if (_removal.KeepFrom <= _removal.Done)
                    {
                        _removal.Running = false;
                        return;
                    }
                    keepFrom = _removal.KeepFrom;
                }
                _log.RemoveBefore(keepFrom);
                _state.RemoveBefore(keepFrom);
                foreach (var kind in new[] { LegacyOffsets, StateFolder, LegacyCommits })
                    foreach (var id in Ids(kind).Where(id => id < keepFrom).ToList())
                        _storage.Delete(PathOf(kind, id));
                lock (_removal) _removal.Done = keepFrom;
            }
        }
        catch
        {
            // A removal that failed is tried again by the next purge.
            lock (_removal) _removal.Running = false;
            throw;
        }
    }

    /// <summary>What the background removal is asked to keep, and has already removed up to; guarded by locking it.</summary>
    private sealed class Removal
    {
        public long KeepFrom = long.MinValue;
        public long Done = long.MinValue;
        public bool Running;
    }

    private readonly Removal _removal = new();

    private void WriteJson<T>(string path, T value, JsonTypeInfo<T> type) => _storage.Write(path, stream => JsonSerializer.Serialize(stream, value, type));

    private T? ReadJson<T>(string path, JsonTypeInfo<T> type) => _storage.Read(path) is { } bytes ? JsonSerializer.Deserialize(bytes, type) : default;
}

/// <summary>One line of a task's log: a batch's offsets, or its commit.</summary>
internal sealed record TaskLogRecord(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TaskOffsets? Offsets,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TaskCommit? Commit);

/// <summary>The query a task's folder belongs to.</summary>
internal sealed record TaskIdentity(Guid QueryId);

/// <summary>The write-ahead record of one task's part of a batch: its range [start, end) per input topic, and the batch's watermarks.</summary>
public sealed record TaskOffsets(
    long BatchId,
    DateTimeOffset BatchTimestamp,
    Dictionary<string, long> Start,
    Dictionary<string, long> End,
    DateTimeOffset? LateRowsWatermark,
    DateTimeOffset? EvictionWatermark);

/// <summary>
/// The task's part of batch N is complete. The largest event time the task has seen per input (over all its
/// batches) is what other instances read to compute the query's global watermark.
/// </summary>
public sealed record TaskCommit(long BatchId, DateTimeOffset? EvictionWatermark, Dictionary<string, DateTimeOffset> MaxEventTimes);

/// <summary>Where an available-now run left a task: the offset it read to per topic, and whether it flushed the task's state.</summary>
public sealed record AvailableNowEnd(Dictionary<string, long> End, bool Flushed);

/// <summary>The instance that took the task, and when.</summary>
public sealed record TaskOwner(string Instance, DateTimeOffset Since);
