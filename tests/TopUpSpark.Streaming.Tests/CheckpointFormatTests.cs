using NUnit.Framework;
using TopUpSpark.Streaming.Checkpointing;

namespace TopUpSpark.Streaming.Tests;

/// <summary>
/// A checkpoint outlives the program that wrote it: what earlier versions wrote (camelCase JSON through
/// reflection, a file per record) must still resume, and what this version writes must keep that form.
/// </summary>
public class CheckpointFormatTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("topup-checkpoint-format-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    private void WriteFile(string path, string json)
    {
        var full = Path.Combine(_directory, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, json);
    }

    [Test]
    public void Task_records_written_by_earlier_versions_are_read()
    {
        WriteFile("metadata", """{"id":"6f1c1c8e-4a57-4d37-9e54-0a3f3b9d2a11","createdUtc":"2026-11-30T10:00:00+00:00","kafkaClusters":{"customer":"mock-1"},"partitions":4}""");
        WriteFile("tasks/2/offsets/7", """{"batchId":7,"batchTimestamp":"2026-11-30T10:05:00+00:00","start":{"customer":10,"bureau":40},"end":{"customer":25,"bureau":90},"lateRowsWatermark":null,"evictionWatermark":"2023-11-14T22:13:15+00:00"}""");
        WriteFile("tasks/2/commits/7", """{"batchId":7,"evictionWatermark":"2023-11-14T22:13:15+00:00","maxEventTimes":{"customer":"2023-11-14T22:13:40+00:00"}}""");
        WriteFile("tasks/2/owner", """{"instance":"host-a","since":"2026-11-30T10:00:01+00:00"}""");
        WriteFile("tasks/2/query", """{"queryId":"6f1c1c8e-4a57-4d37-9e54-0a3f3b9d2a11"}""");
        WriteFile("tasks/2/available-now", """{"end":{"customer":25},"flushed":true}""");

        var checkpoint = new QueryCheckpoint(new FileCheckpointStorage(_directory));
        var metadata = checkpoint.ReadMetadata()!;
        var task = checkpoint.Task(2);
        var offsets = task.ReadOffsets(7);
        var commit = task.LatestCommit()!;

        Assert.Multiple(() =>
        {
            Assert.That(metadata.Id, Is.EqualTo(Guid.Parse("6f1c1c8e-4a57-4d37-9e54-0a3f3b9d2a11")));
            Assert.That(metadata.KafkaClusters, Is.EqualTo(new Dictionary<string, string> { ["customer"] = "mock-1" }));
            Assert.That(metadata.Partitions, Is.EqualTo(4));
            Assert.That(offsets.Start, Is.EqualTo(new Dictionary<string, long> { ["customer"] = 10, ["bureau"] = 40 }));
            Assert.That(offsets.End, Is.EqualTo(new Dictionary<string, long> { ["customer"] = 25, ["bureau"] = 90 }));
            Assert.That(offsets.LateRowsWatermark, Is.Null);
            Assert.That(offsets.EvictionWatermark, Is.EqualTo(DateTimeOffset.Parse("2023-11-14T22:13:15Z")));
            Assert.That(commit.BatchId, Is.EqualTo(7));
            Assert.That(commit.MaxEventTimes["customer"], Is.EqualTo(DateTimeOffset.Parse("2023-11-14T22:13:40Z")));
            Assert.That(task.Owner, Is.EqualTo(new TaskOwner("host-a", DateTimeOffset.Parse("2026-11-30T10:00:01Z"))));
            Assert.That(task.Query, Is.EqualTo(metadata.Id));
            Assert.That(task.AvailableNowEnd()!.Flushed, Is.True);
        });
    }

    [Test]
    public void Task_records_are_appended_to_the_task_log_as_camel_case_json_lines_and_read_back()
    {
        var task = new QueryCheckpoint(new FileCheckpointStorage(_directory)).Task(0);
        var offsets = new TaskOffsets(3, DateTimeOffset.Parse("2026-12-03T12:00:00Z"),
            new Dictionary<string, long> { ["customer"] = 1 }, new Dictionary<string, long> { ["customer"] = 9 },
            DateTimeOffset.Parse("2023-11-14T22:13:10Z"), DateTimeOffset.Parse("2023-11-14T22:13:15Z"));
        task.WriteOffsets(offsets);
        task.WriteCommit(new TaskCommit(3, offsets.EvictionWatermark, new Dictionary<string, DateTimeOffset> { ["customer"] = DateTimeOffset.Parse("2023-11-14T22:13:40Z") }));

        var segment = Directory.GetFiles(Path.Combine(_directory, "tasks/0/log")).Single();
        var lines = File.ReadAllText(segment);
        var read = task.ReadOffsets(3);
        Assert.Multiple(() =>
        {
            Assert.That(Path.GetFileName(segment), Does.StartWith("3-"), "a segment is named by its first batch");
            Assert.That(lines, Does.StartWith("""{"offsets":{"batchId":3,"batchTimestamp":"2026-12-03T12:00:00+00:00","start":{"customer":1},"end":{"customer":9},"""));
            Assert.That(lines, Does.EndWith("""{"commit":{"batchId":3,"evictionWatermark":"2023-11-14T22:13:15+00:00","maxEventTimes":{"customer":"2023-11-14T22:13:40+00:00"}}}""" + "\n"));
            Assert.That(lines.Count(c => c == '\n'), Is.EqualTo(2), "one line per record");
            Assert.That(read.Start, Is.EqualTo(offsets.Start));
            Assert.That(read.End, Is.EqualTo(offsets.End));
            Assert.That(read with { Start = offsets.Start, End = offsets.End }, Is.EqualTo(offsets));
            Assert.That(task.LatestCommit()!.BatchId, Is.EqualTo(3));
        });
    }

    [Test]
    public void A_task_of_an_earlier_version_goes_on_in_its_log()
    {
        WriteFile("tasks/2/offsets/7", """{"batchId":7,"batchTimestamp":"2026-11-30T10:05:00+00:00","start":{"customer":10},"end":{"customer":25},"lateRowsWatermark":null,"evictionWatermark":null}""");
        WriteFile("tasks/2/commits/7", """{"batchId":7,"evictionWatermark":null,"maxEventTimes":{"customer":"2023-11-14T22:13:40+00:00"}}""");
        WriteLegacyState("tasks/2/state/7", ("sum", true, 40L));
        var task = new QueryCheckpoint(new FileCheckpointStorage(_directory)).Task(2);
        var store = new SumStore();
        store.Restore(task.ReadState(7)["sum"]);
        Assert.That(store.Value, Is.EqualTo(40), "the earlier version's state file");

        store.Add(2);
        task.WriteOffsets(Offsets(8));
        task.WriteState(8, [("sum", store)]);
        Assert.That(task.LatestCommit()!.BatchId, Is.EqualTo(7), "the earlier version's commit is the latest until the log has a later one");
        task.WriteCommit(Commit(8));
        Assert.Multiple(() =>
        {
            Assert.That(task.LatestCommit()!.BatchId, Is.EqualTo(8));
            Assert.That(task.LatestOffsets()!.BatchId, Is.EqualTo(8));
            Assert.That(task.ReadOffsets(7).End["customer"], Is.EqualTo(25));
            Assert.That(SumStore.Restored(task.ReadState(8)["sum"]), Is.EqualTo(42), "a snapshot in the log");
            Assert.That(SumStore.Restored(task.ReadState(7)["sum"]), Is.EqualTo(40), "the earlier file is still the state of batch 7");
        });
    }

    [Test]
    public void State_is_rebuilt_from_the_snapshot_and_deltas_up_to_the_batch_and_a_record_cut_off_by_a_kill_is_not_one()
    {
        var checkpoint = new QueryCheckpoint(new FileCheckpointStorage(_directory));
        var killed = checkpoint.Task(0);
        var store = new SumStore();
        for (var batch = 0L; batch < 4; batch++)
        {
            store.Add(batch + 1);
            killed.WriteState(batch, [("sum", store)]);
        }
        var segment = Directory.GetFiles(Path.Combine(_directory, "tasks/0/state")).Single();
        var whole = File.ReadAllBytes(segment);
        store.Add(5);
        killed.WriteState(4, [("sum", store)]);
        File.WriteAllBytes(segment, [.. File.ReadAllBytes(segment)[..^3]]);

        var restarted = checkpoint.Task(0);
        Assert.Multiple(() =>
        {
            Assert.That(Path.GetFileName(segment), Does.StartWith("0-"), "the first write is a snapshot, starting a segment");
            Assert.That(File.ReadAllBytes(segment), Has.Length.GreaterThan(whole.Length), "batch 4's delta was appended to it, then cut off");
            Assert.That(SumStore.Restored(restarted.ReadState(3)["sum"]), Is.EqualTo(1 + 2 + 3 + 4));
            Assert.That(SumStore.Restored(restarted.ReadState(1)["sum"]), Is.EqualTo(1 + 2), "deltas after the batch are left out");
            Assert.That(() => restarted.ReadState(4), Throws.Nothing, "batch 4's cut-off record is not read");
            Assert.That(SumStore.Restored(restarted.ReadState(4)["sum"]), Is.EqualTo(10), "the state of batch 3: batch 4 never committed");
        });

        var replayed = new SumStore();
        replayed.Restore(restarted.ReadState(3)["sum"]);
        replayed.Add(5);
        restarted.WriteState(4, [("sum", replayed)]);
        Assert.Multiple(() =>
        {
            Assert.That(Directory.GetFiles(Path.Combine(_directory, "tasks/0/state")), Has.Length.EqualTo(2), "a new writer starts with a snapshot in a segment of its own");
            Assert.That(SumStore.Restored(checkpoint.Task(0).ReadState(4)["sum"]), Is.EqualTo(15));
        });
    }

    [Test]
    public void A_record_cut_off_by_a_kill_is_not_a_record_and_the_next_writer_appends_to_a_segment_of_its_own()
    {
        var checkpoint = new QueryCheckpoint(new FileCheckpointStorage(_directory));
        var killed = checkpoint.Task(1);
        killed.WriteOffsets(Offsets(5));
        killed.WriteCommit(Commit(5));
        killed.WriteOffsets(Offsets(6));
        var segment = Directory.GetFiles(Path.Combine(_directory, "tasks/1/log")).Single();
        File.AppendAllText(segment, """{"commit":{"batchId":6,"evictionWat""");

        var restarted = checkpoint.Task(1);
        Assert.Multiple(() =>
        {
            Assert.That(restarted.LatestCommit()!.BatchId, Is.EqualTo(5), "the cut-off commit of batch 6 does not count");
            Assert.That(restarted.LatestOffsets()!.BatchId, Is.EqualTo(6), "batch 6 was planned: it is replayed");
        });

        restarted.WriteCommit(Commit(6));
        restarted.WriteOffsets(Offsets(7));
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(segment), Does.EndWith("evictionWat"), "the killed writer's segment is left as it was");
            Assert.That(Directory.GetFiles(Path.Combine(_directory, "tasks/1/log")), Has.Length.EqualTo(2));
            Assert.That(checkpoint.Task(1).LatestCommit()!.BatchId, Is.EqualTo(6));
            Assert.That(checkpoint.Task(1).LatestOffsets()!.BatchId, Is.EqualTo(7));
            Assert.That(checkpoint.Task(1).ReadOffsets(6).End["customer"], Is.EqualTo(60), "the offsets of the replayed batch are still in the killed writer's segment");
        });
    }

    [Test]
    public void Old_log_segments_are_removed_but_never_what_a_restart_needs()
    {
        var task = new QueryCheckpoint(new FileCheckpointStorage(_directory)).Task(0);
        CommitBatches(task, 3 * TaskLog.RetainBatches);
        task.WriteOffsets(Offsets(3 * TaskLog.RetainBatches));
        // The removal runs in the background.
        WaitForRemoval(() => Directory.GetFiles(Path.Combine(_directory, "tasks/0/log")).Length < 3 * TaskLog.RetainBatches / TaskLog.SnapshotInterval);

        var restarted = new QueryCheckpoint(new FileCheckpointStorage(_directory)).Task(0);
        var latest = restarted.LatestCommit()!.BatchId;
        var firstKept = FirstKept("log");
        Assert.Multiple(() =>
        {
            Assert.That(latest, Is.EqualTo(3 * TaskLog.RetainBatches - 1));
            Assert.That(restarted.LatestOffsets()!.BatchId, Is.EqualTo(3 * TaskLog.RetainBatches));
            Assert.That(restarted.ReadOffsets(latest).End["customer"], Is.EqualTo(latest * 10));
            Assert.That(restarted.ReadState(latest)["count"], Is.Not.Empty, "the state chain after the latest snapshot is kept");
            Assert.That(firstKept, Is.GreaterThan(0), "old segments were removed");
            Assert.That(firstKept, Is.LessThanOrEqualTo(latest - TaskLog.RetainBatches), "the retained batches were kept");
            Assert.That(Directory.GetFiles(Path.Combine(_directory, "tasks/0/state")), Has.Length.LessThan(3 * TaskLog.RetainBatches / TaskLog.SnapshotInterval), "old state segments were removed");
        });
    }

    [Test]
    public void A_removal_asked_for_while_one_runs_is_done_after_it()
    {
        // Deletes wait at a gate: the first removal is still running while every later batch commits.
        using var gate = new ManualResetEventSlim();
        var task = new QueryCheckpoint(new GatedDeletes(new FileCheckpointStorage(_directory), gate)).Task(0);
        var batches = 3L * TaskLog.RetainBatches;
        CommitBatches(task, batches);
        gate.Set();

        // The last commit asked to keep from the retention's first batch; its segment starts at the snapshot interval below it.
        var keepFrom = batches - 1 - TaskLog.RetainBatches;
        var expectedFirst = keepFrom / TaskLog.SnapshotInterval * TaskLog.SnapshotInterval;
        WaitForRemoval(() => FirstKept("log") == expectedFirst && FirstKept("state") == expectedFirst);
        Assert.Multiple(() =>
        {
            Assert.That(FirstKept("log"), Is.EqualTo(expectedFirst), "the last removal asked for ran once the first was done");
            Assert.That(FirstKept("state"), Is.EqualTo(expectedFirst));
        });
    }

    /// <summary>A storage whose deletes wait until the gate opens.</summary>
    private sealed class GatedDeletes(ICheckpointStorage inner, ManualResetEventSlim gate) : ICheckpointStorage
    {
        public string Locate(string path) => inner.Locate(path);
        public bool Exists(string path) => inner.Exists(path);
        public long? Version(string path) => inner.Version(path);
        public byte[]? Read(string path) => inner.Read(path);
        public void Write(string path, Action<Stream> write) => inner.Write(path, write);
        public void Append(string path, Action<Stream> write) => inner.Append(path, write);
        public bool TryCreate(string path, Action<Stream> write) => inner.TryCreate(path, write);
        public IReadOnlyList<string> List(string folder, bool folders = false) => inner.List(folder, folders);
        public IReadOnlyList<string> RemoveLeftovers(string folder, bool recursive) => inner.RemoveLeftovers(folder, recursive);

        public void Delete(string path)
        {
            gate.Wait(TimeSpan.FromSeconds(30));
            inner.Delete(path);
        }
    }

    /// <summary>Batches 0 to <paramref name="count"/> − 1, each with its offsets, a state delta and its commit.</summary>
    private static void CommitBatches(TaskLog task, long count)
    {
        var store = new CountingStore();
        for (var batch = 0L; batch < count; batch++)
        {
            task.WriteOffsets(Offsets(batch));
            task.WriteState(batch, [("count", store)]);
            task.WriteCommit(Commit(batch));
        }
    }

    /// <summary>The first batch of task 0's oldest segment in its <paramref name="kind"/> log ("log" or "state").</summary>
    private long FirstKept(string kind) =>
        Directory.GetFiles(Path.Combine(_directory, "tasks/0", kind)).Select(f => long.Parse(Path.GetFileName(f).Split('-')[0])).Min();

    private static void WaitForRemoval(Func<bool> removed)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!removed() && DateTime.UtcNow < deadline) Thread.Sleep(20);
    }

    private static TaskOffsets Offsets(long batch) => new(batch, DateTimeOffset.Parse("2026-12-03T12:00:00Z"),
        new Dictionary<string, long> { ["customer"] = (batch - 1) * 10 }, new Dictionary<string, long> { ["customer"] = batch * 10 }, null, null);

    private static TaskCommit Commit(long batch) => new(batch, null, new Dictionary<string, DateTimeOffset> { ["customer"] = DateTimeOffset.Parse("2023-11-14T22:13:40Z").AddSeconds(batch) });

    private void WriteLegacyState(string path, (string Id, bool Snapshot, long Value) store)
    {
        using var bytes = new MemoryStream();
        using (var writer = new BinaryWriter(bytes))
        {
            writer.Write(1);
            writer.Write(store.Id);
            writer.Write(store.Snapshot);
            writer.Write(sizeof(long));
            writer.Write(store.Value);
        }
        var full = Path.Combine(_directory, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes.ToArray());
    }

    /// <summary>A running sum: its snapshot is the sum, a delta what was added since the last write.</summary>
    private sealed class SumStore : TopUpSpark.Streaming.State.IStateStore
    {
        private long _added;

        public long Value { get; private set; }
        public long Rows => 1;

        public void Add(long amount)
        {
            Value += amount;
            _added += amount;
        }

        public void WriteSnapshot(BinaryWriter writer)
        {
            writer.Write(Value);
            _added = 0;
        }

        public void WriteDelta(BinaryWriter writer)
        {
            writer.Write(_added);
            _added = 0;
        }

        public void Restore(BinaryReader? snapshot, IEnumerable<BinaryReader> deltas)
        {
            Value = (snapshot?.ReadInt64() ?? 0) + deltas.Sum(d => d.ReadInt64());
            _added = 0;
        }

        public void Restore(List<byte[]> chain) => Restore(Reader(chain[0]), chain.Skip(1).Select(Reader));

        public static long Restored(List<byte[]> chain)
        {
            var store = new SumStore();
            store.Restore(chain);
            return store.Value;
        }

        private static BinaryReader Reader(byte[] bytes) => new(new MemoryStream(bytes));
    }

    private sealed class CountingStore : TopUpSpark.Streaming.State.IStateStore
    {
        public long Rows => 1;
        public void WriteSnapshot(BinaryWriter writer) => writer.Write(1L);
        public void WriteDelta(BinaryWriter writer) => writer.Write(1L);
        public void Restore(BinaryReader? snapshot, IEnumerable<BinaryReader> deltas) { }
    }
}
