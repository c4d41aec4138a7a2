using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using NUnit.Framework;
using TopUpSpark.Core;
using TopUpSpark.Core.Messages;
using TopUpSpark.Job.Ui;
using TopUpSpark.Streaming.Progress;
using TopUpSpark.TestSupport;
using TopUpSpark.Web;

namespace TopUpSpark.Job.Tests;

/// <summary>
/// The job's streaming UI: its JSON of the recent progress against a real run (embedded broker, producer,
/// the course model), its bounded history, and taking the next port when Spark's 4040 is taken.
/// </summary>
[NonParallelizable]
public class StreamingUiTests
{
    [Test]
    public async Task The_progress_endpoint_serves_each_batch_as_progress_jsonl_records_it_with_late_drops_dead_letters_and_offsets()
    {
        await using var run = await StreamingUiRun.StartAsync("streaming-ui-json");
        var before = await run.ProgressAsync();
        Assert.That(before.GetProperty("batches").GetArrayLength(), Is.Zero, "no batch before any data");
        Assert.That(before.GetProperty("query").GetProperty("name").GetString(), Is.EqualTo(run.Options.AppName));

        await run.ProduceAsync(4);
        await run.SendMalformedCustomerAsync();
        await run.ProduceAsync(2);
        var progress = await run.ProgressAsync();
        var summary = await run.StopAsync();
        Assert.That(summary.Failed, Is.False, summary.Error);

        var batches = progress.GetProperty("batches").EnumerateArray().ToList();
        var recorded = File.ReadAllLines(run.Options.ProgressFile).Select(line => JsonNode.Parse(line)!).ToDictionary(n => (long)n["batchId"]!);
        Assert.That(batches.Select(b => b.GetProperty("batchId").GetInt64()), Is.EqualTo(recorded.Keys.Order().Where(id => id <= batches[^1].GetProperty("batchId").GetInt64())),
            "every batch so far, oldest first");
        foreach (var batch in batches)
        {
            var id = batch.GetProperty("batchId").GetInt64();
            Assert.That(JsonNode.DeepEquals(JsonNode.Parse(batch.GetRawText()), recorded[id]), Is.True, $"batch {id} differs from progress.jsonl:\n{batch}\n{recorded[id]}");
        }

        long Sum(string field) => batches.Sum(b => b.GetProperty(field).GetInt64());
        Assert.That(Sum("numInputRows"), Is.EqualTo(run.RecordsSent), "every record sent was read");
        Assert.That(Sum("lateRowsDropped"), Is.Positive.And.EqualTo(summary.LateRowsDropped), "held-back customers arrive after the watermark passed them");
        Assert.That(Sum("deadLetters"), Is.EqualTo(1).And.EqualTo(summary.DeadLetters), "the malformed customer message");
        Assert.That(batches[^1].GetProperty("eventTime").GetProperty("watermark").GetString(), Does.StartWith("2026-11-25T00:0"), "the watermark follows the replayed event time");

        // The same figures reach the dashboard on the progress topic, one message per batch.
        var health = JobTestBed.ReadTopic(run.Kafka, Topics.Progress).Select(m =>
        {
            Assert.That(BatchHealthMessage.TryDecode(System.Text.Encoding.UTF8.GetString(m.Message.Key!), m.Message.Value, out var batch, out var error), Is.True, error);
            return batch!;
        }).ToList();
        Assert.That(health.Select(h => h.BatchId), Is.EqualTo(recorded.Keys.Order()));
        Assert.That(health.Sum(h => h.LateRowsDropped), Is.EqualTo(summary.LateRowsDropped));
        Assert.That(health.Sum(h => h.DeadLetters), Is.EqualTo(1));
        Assert.That(health.Sum(h => h.InputRows), Is.EqualTo(run.RecordsSent));

        var lastOffsets = batches[^1].GetProperty("sources").EnumerateArray()
            .ToDictionary(s => s.GetProperty("description").GetString()!, s => s.GetProperty("endOffset").EnumerateObject().Sum(p => p.Value.GetInt64()));
        Assert.That(lastOffsets.Keys, Has.Some.Contains(Topics.Customer).And.Some.Contains(Topics.Bureau));
        Assert.That(lastOffsets.Values.Sum(), Is.EqualTo(
            JobTestBed.HighWatermarks(run.Kafka, Topics.Customer, 4).Values.Sum() + JobTestBed.HighWatermarks(run.Kafka, Topics.Bureau, 4).Values.Sum()),
            "the last batch's end offsets per partition are the topics' ends");
    }

    [Test]
    public void The_history_keeps_the_last_batches_only_oldest_first()
    {
        var history = new ProgressHistory(capacity: 5);
        var versions = new List<long>();
        for (var batch = 0L; batch < 12; batch++)
        {
            history.Add(Batch(batch));
            versions.Add(history.Current.Version);
        }

        Assert.That(history.Current.Batches.Select(b => b.BatchId), Is.EqualTo(new long[] { 7, 8, 9, 10, 11 }));
        Assert.That(versions, Is.Ordered.Ascending.And.Unique, "every batch is a new version for the page");
    }

    [Test]
    public async Task A_taken_port_moves_the_server_to_the_next_one_as_sparks_ui_does_or_fails_naming_the_port()
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var port = ((IPEndPoint)taken.LocalEndpoint).Port;
            await using (var next = await LocalWebServer.StartAsync(new WebServerOptions(IPAddress.Loopback, port, StreamingUi.ContentSecurityPolicy, PortAttempts: 16),
                             _ => { }, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, CancellationToken.None))
            {
                Assert.That(next.Address.Port, Is.GreaterThan(port).And.LessThan(port + 16));
                Assert.That(next.Address.Host, Is.EqualTo("127.0.0.1"));
            }

            var refused = Assert.ThrowsAsync<IOException>(() => LocalWebServer.StartAsync(new WebServerOptions(IPAddress.Loopback, port, StreamingUi.ContentSecurityPolicy),
                _ => { }, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, CancellationToken.None));
            Assert.That(refused!.Message, Is.EqualTo($"port {port} on 127.0.0.1 is in use"));
        }
        finally
        {
            taken.Stop();
        }
    }

    private static QueryProgress Batch(long id) => new(
        Guid.Empty, Guid.Empty, "q", "i", [0], id, DateTimeOffset.UnixEpoch.AddSeconds(id), 10, 10, 10,
        new Dictionary<string, long> { ["triggerExecution"] = 1 }, new Dictionary<string, string?>(), [], [], [], 0, 0, 0, 0, new Dictionary<string, long>());
}
