using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using TopUpSpark.Consumer.Streams;
using TopUpSpark.Core.Cli;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Schema;
using TopUpSpark.Producer;
using TopUpSpark.Producer.DataGeneration;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Consumer.Tests;

/// <summary>
/// The stream counts on the embedded broker, fed by the real producer with <c>--late</c>: the test moves the
/// counts' clock one bucket per producer batch, so each batch is read in a bucket of its own.
/// </summary>
[NonParallelizable]
public sealed class StreamCountsKafkaTests
{
    private static readonly TimeSpan Bucket = TimeSpan.FromSeconds(5);
    // A multiple of the bucket: batch k is stamped Start + k·5 s and read while the clock is in bucket k.
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private const int Batches = 6;

    [Test]
    public async Task Counts_per_bucket_and_per_state_equal_what_the_producer_sent_and_held_back_records_count_as_late()
    {
        var data = RepositoryRoot.NewScratchDirectory("stream-counts");
        DataGenerator.Generate(new GeneratorOptions { Customers = 300, Seed = 9, OutputDirectory = data });
        var input = TopUpInput.LoadDirectory(data, TopUpSchema.Default);
        var stateOf = input.Customers.ToDictionary(c => c.Id, c => JsonDocument.Parse(c.Message(0)).RootElement.GetProperty("State").GetString()!);

        using var cluster = EmbeddedKafkaCluster.Start(topics: ["customer", "bureau"], partitions: 4);
        var kafka = new KafkaSettings(cluster.BootstrapServers);
        var time = new FakeTimeProvider(Start + TimeSpan.FromSeconds(1));
        using var stop = new CancellationTokenSource();
        var service = StreamCountsService.Start(kafka,
            new StreamCountsOptions(["customer", "bureau"], "State", Window: TimeSpan.FromSeconds(40), Bucket), NullLoggerFactory.Instance, time, stop.Token);
        var counter = service.Counter;
        try
        {
            await Until(() => counter.Publish().Status.Ready, "the counts consumer is positioned on every partition");

            var batches = new List<ProducedBatch>();
            long sent = 0;
            var producer = new TopUpProducer(input, kafka, new ProducerOptions
            {
                Replay = true, ReplayStart = Start, MaxBatches = Batches, Seed = 3, Late = new CountRange(1, 3), LateSeed = 4,
            });
            producer.BatchProduced += batch =>
            {
                batches.Add(batch);
                sent += batch.CustomerIds.Count + batch.BureauRows + (batch.Late?.CustomerIds.Count ?? 0) + (batch.Late?.BureauRows ?? 0);
                // Everything this batch sent is read in its bucket before the clock moves to the next one.
                Until(() => counter.Publish().Status.Messages == sent, $"batch {batch.Number} counted").GetAwaiter().GetResult();
                time.Advance(Bucket);
            };
            var summary = await producer.RunAsync();
            Assert.That(summary.Messages, Is.EqualTo(sent));

            var snapshot = counter.Publish();
            Assert.That(snapshot.BucketStarts.Take(Batches), Is.EqualTo(batches.Select(b => b.Timestamp)), "one bucket per batch, from the start");
            Assert.That(batches.Sum(b => b.Late?.CustomerIds.Count ?? 0), Is.Positive, "the producer held some customers back");
            Assert.Multiple(() =>
            {
                var customers = snapshot.Series.Single(s => s is { Topic: "customer", Group: null });
                var bureau = snapshot.Series.Single(s => s is { Topic: "bureau", Group: null });
                Assert.That(customers.Records.Take(Batches), Is.EqualTo(batches.Select(b => (long)(b.CustomerIds.Count + (b.Late?.CustomerIds.Count ?? 0)))));
                Assert.That(customers.Late.Take(Batches), Is.EqualTo(batches.Select(b => (long)(b.Late?.CustomerIds.Count ?? 0))),
                    "the held-back customers, stamped with the batch before, are the late ones");
                Assert.That(bureau.Records.Take(Batches), Is.EqualTo(batches.Select(b => (long)(b.BureauRows + (b.Late?.BureauRows ?? 0)))));
                Assert.That(bureau.Late.Take(Batches), Is.EqualTo(batches.Select(b => (long)(b.Late?.BureauRows ?? 0))));
                Assert.That(customers.LastWindow, Is.EqualTo(summary.CustomerMessages), "the 40 s window holds every bucket of the run");

                var customersPerState = batches
                    .SelectMany(b => b.CustomerIds.Concat(b.Late?.CustomerIds ?? []).Select(id => (State: stateOf[id], Bucket: (int)b.Number)))
                    .GroupBy(c => c.State);
                foreach (var state in customersPerState)
                {
                    var series = snapshot.Series.Single(s => s.Topic == "customer" && s.Group == state.Key);
                    Assert.That(series.Records.Take(Batches), Is.EqualTo(Enumerable.Range(0, Batches).Select(k => (long)state.Count(c => c.Bucket == k))),
                        $"customers of {state.Key} per bucket");
                }
                Assert.That(snapshot.Series.Where(s => s is { Topic: "customer", Group: not null }).Sum(s => s.Total), Is.EqualTo(summary.CustomerMessages));
                Assert.That(snapshot.Series.Single(s => s is { Topic: "bureau", Group: StreamCountsOptions.NoGroupValue }).Total, Is.EqualTo(summary.BureauMessages),
                    "bureau rows have no State: one line for them all");
            });
        }
        finally
        {
            await stop.CancelAsync();
            await service.Completion;
        }
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Waits.HangBound;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"waited {Waits.HangBound.TotalSeconds} s for: {what}");
            await Task.Delay(20);
        }
    }
}
