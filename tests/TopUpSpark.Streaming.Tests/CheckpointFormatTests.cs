using NUnit.Framework;
using TopUpSpark.Streaming.Checkpointing;

namespace TopUpSpark.Streaming.Tests;

/// <summary>
/// A checkpoint outlives the program that wrote it: what earlier versions wrote (camelCase JSON through
/// reflection) must still resume, and what this version writes must keep that form.
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
    public void Task_records_are_written_as_camel_case_json_and_read_back()
    {
        var task = new QueryCheckpoint(new FileCheckpointStorage(_directory)).Task(0);
        var offsets = new TaskOffsets(3, DateTimeOffset.Parse("2026-12-03T12:00:00Z"),
            new Dictionary<string, long> { ["customer"] = 1 }, new Dictionary<string, long> { ["customer"] = 9 },
            DateTimeOffset.Parse("2023-11-14T22:13:10Z"), DateTimeOffset.Parse("2023-11-14T22:13:15Z"));
        task.WriteOffsets(offsets);

        var written = File.ReadAllText(Path.Combine(_directory, "tasks/0/offsets/3"));
        var read = task.ReadOffsets(3);
        Assert.Multiple(() =>
        {
            Assert.That(written, Does.StartWith("""{"batchId":3,"batchTimestamp":"2026-12-03T12:00:00+00:00","start":{"customer":1},"end":{"customer":9},"""));
            Assert.That(read.Start, Is.EqualTo(offsets.Start));
            Assert.That(read.End, Is.EqualTo(offsets.End));
            Assert.That(read with { Start = offsets.Start, End = offsets.End }, Is.EqualTo(offsets));
        });
    }
}
