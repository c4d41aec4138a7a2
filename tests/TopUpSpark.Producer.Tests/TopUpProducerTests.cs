using System.Collections.Concurrent;
using System.Text.Json;
using NUnit.Framework;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Messages;
using TopUpSpark.Core.Schema;
using TopUpSpark.TestSupport;
using Microsoft.Extensions.Logging;

namespace TopUpSpark.Producer.Tests;

public sealed class TopUpProducerTests
{
    private const int Partitions = 4;
    private const long StartTs = 1_700_000_000;

    private static TopUpInput? _input;

    /// <summary>The small generated dataset (400 customers), loaded once.</summary>
    private static TopUpInput SmallInput => _input ??= TopUpInput.LoadDirectory(GeneratedData.Small.Directory, TopUpSchema.Default);

    private sealed record Run(ProducerRunSummary Summary, List<ProducedBatch> Batches, List<ReadMessage> Customers, List<ReadMessage> Bureau);

    private static async Task<Run> ProduceAndReadBack(TopUpInput input, ProducerOptions options, Action<ProducedBatch, CancellationTokenSource>? onBatch = null)
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: ["customer", "bureau"], partitions: Partitions);
        using var stop = new CancellationTokenSource();
        var producer = new TopUpProducer(input, new KafkaSettings(cluster.BootstrapServers), options);
        var batches = new ConcurrentQueue<ProducedBatch>();
        producer.BatchProduced += batch =>
        {
            batches.Enqueue(batch);
            onBatch?.Invoke(batch, stop);
        };
        var summary = await producer.RunAsync(stop.Token);
        return new Run(summary, batches.ToList(),
            KafkaReadBack.ReadAll(cluster.BootstrapServers, "customer", Partitions),
            KafkaReadBack.ReadAll(cluster.BootstrapServers, "bureau", Partitions));
    }

    private static ProducerOptions Replay(long batches) => new()
    {
        Replay = true,
        MaxBatches = batches,
        Seed = 42,
        ReplayStart = DateTimeOffset.FromUnixTimeSeconds(StartTs),
    };

    [Test]
    public async Task Each_batch_sends_10_to_30_customers_in_file_order_with_all_their_bureau_rows_under_one_ts()
    {
        var run = await ProduceAndReadBack(SmallInput, Replay(batches: 12));
        var customersByTs = run.Customers.GroupBy(m => m.Ts).ToDictionary(g => g.Key, g => g.ToList());
        var bureauByTs = run.Bureau.GroupBy(m => m.Ts).ToDictionary(g => g.Key, g => g.ToList());
        var bureauRowsInFile = CsvTable.Read(GeneratedData.Small.BureauFile).Column("ID").GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());

        Assert.That(run.Batches.Select(b => b.Number), Is.EqualTo(Enumerable.Range(0, 12).Select(i => (long)i)));
        Assert.That(run.Batches.SelectMany(b => b.CustomerIds), Is.EqualTo(SmallInput.Customers.Take(run.Batches.Sum(b => b.CustomerIds.Count)).Select(c => c.Id)),
            "customers are taken in file order");
        Assert.That(customersByTs.Keys, Is.EquivalentTo(run.Batches.Select(b => b.Ts.ToString())), "one ts per batch");
        Assert.That(bureauByTs.Keys, Is.SubsetOf(customersByTs.Keys), "bureau rows carry their batch's ts");
        Assert.Multiple(() =>
        {
            foreach (var batch in run.Batches)
            {
                var ts = batch.Ts.ToString();
                Assert.That(batch.Ts, Is.EqualTo(StartTs + 5 * batch.Number), "replay stamps batch k with start + k·interval");
                Assert.That(batch.CustomerIds, Has.Count.InRange(10, 30));
                Assert.That(customersByTs[ts].Select(m => m.Key), Is.EquivalentTo(batch.CustomerIds));
                var bureauIds = bureauByTs.GetValueOrDefault(ts, []).Select(m => m.Key).ToList();
                var expected = batch.CustomerIds.SelectMany(id => Enumerable.Repeat(id, bureauRowsInFile.GetValueOrDefault(id))).ToList();
                Assert.That(bureauIds, Is.EquivalentTo(expected), $"batch {batch.Number}: exactly all bureau rows of its customers");
                Assert.That(batch.BureauRows, Is.EqualTo(expected.Count));
            }
        });
        Assert.That(run.Summary.Messages, Is.EqualTo(run.Customers.Count + run.Bureau.Count));
        Assert.That(run.Summary.DeliveryFailures, Is.Zero);
    }

    [Test]
    public async Task Messages_hold_every_column_as_a_string_exactly_as_in_the_csv_keyed_by_id()
    {
        var run = await ProduceAndReadBack(SmallInput, Replay(batches: 5));
        var customerRows = CsvTable.Read(GeneratedData.Small.CustomerFile);
        var byId = customerRows.Rows.ToDictionary(r => customerRows.Value(r, "ID"));
        var schema = TopUpSchema.Default;
        Assert.Multiple(() =>
        {
            foreach (var message in run.Customers.Concat(run.Bureau))
            {
                var columns = message.Topic == "customer" ? schema.Customer.ColumnNames : schema.Bureau.ColumnNames;
                Assert.That(message.Fields.Keys, Is.EquivalentTo(columns.Append("ts")), message.ToString());
                Assert.That(message.Fields.Values.Select(v => v.ValueKind), Is.All.EqualTo(JsonValueKind.String), message.ToString());
                Assert.That(message.Key, Is.EqualTo(message.Field("ID")));
                var dataset = message.Topic == "customer" ? schema.Customer : schema.Bureau;
                Assert.That(InputMessageCodec.TryDecode(message.Value, dataset, schema.EventTimeColumn, out _, out _, out var error), Is.True, error);
            }
            foreach (var message in run.Customers)
            {
                var row = byId[message.Key];
                Assert.That(customerRows.Headers.Select(h => message.Field(h)), Is.EqualTo(row), "values are the CSV's strings");
            }
        });
    }

    [Test]
    public async Task After_the_last_customer_the_producer_starts_again_from_the_top()
    {
        var input = Input(GeneratedData.Generate(25, seed: 3));
        var run = await ProduceAndReadBack(input, Replay(batches: 4) with { MinCustomers = 10, MaxCustomers = 10 });
        var sent = run.Batches.SelectMany(b => b.CustomerIds).ToList();
        var fileOrder = input.Customers.Select(c => c.Id).ToList();
        Assert.That(sent, Is.EqualTo(Enumerable.Range(0, 40).Select(i => fileOrder[i % 25])));
        Assert.That(run.Batches.Select(b => b.Pass), Is.EqualTo(new[] { 0, 0, 0, 1 }));
        Assert.That(run.Customers, Has.Count.EqualTo(40));
        Assert.That(run.Summary.ReachedEnd, Is.False);
    }

    [Test]
    public async Task With_stop_at_end_every_customer_is_sent_once()
    {
        var input = Input(GeneratedData.Generate(95, seed: 4));
        var run = await ProduceAndReadBack(input, Replay(batches: 1000) with { StopAtEnd = true });
        Assert.That(run.Customers.Select(m => m.Key), Is.EquivalentTo(input.Customers.Select(c => c.Id)));
        Assert.That(run.Batches.SkipLast(1).Select(b => b.CustomerIds.Count), Is.All.InRange(10, 30));
        Assert.That(run.Summary.ReachedEnd, Is.True);
    }

    [Test]
    public async Task Interval_mode_sends_batches_on_its_clock_until_stopped()
    {
        // Stopping from the third batch's callback: the run ends cleanly with everything sent delivered.
        var options = new ProducerOptions { Interval = TimeSpan.FromMilliseconds(100), Seed = 7 };
        var run = await ProduceAndReadBack(SmallInput, options, (batch, stop) =>
        {
            if (batch.Number == 2) stop.Cancel();
        });
        Assert.That(run.Batches, Has.Count.EqualTo(3));
        Assert.That(run.Customers.Select(m => m.Key), Is.EquivalentTo(run.Batches.SelectMany(b => b.CustomerIds)));
        Assert.That(run.Bureau, Has.Count.EqualTo(run.Batches.Sum(b => b.BureauRows)));
        foreach (var batch in run.Batches)
        {
            var ids = batch.CustomerIds.ToHashSet();
            Assert.That(run.Customers.Concat(run.Bureau).Where(m => ids.Contains(m.Key)).Select(m => m.Ts).Distinct(),
                Is.EqualTo(new[] { batch.Ts.ToString() }), $"batch {batch.Number} has one ts in both topics");
            Assert.That(batch.Timestamp, Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(5)), "interval mode stamps the wall clock");
        }
    }

    [Test]
    public async Task Bad_csv_rows_are_skipped_and_the_rest_is_sent()
    {
        var directory = GeneratedData.NewDirectory("bad-rows");
        var customer = File.ReadAllLines(GeneratedData.Small.CustomerFile).Take(13).ToList();
        customer[3] = "9999,Monthly,too,few";                       // line 4: wrong column count
        customer[6] = "," + customer[6][(customer[6].IndexOf(',') + 1)..]; // line 7: empty ID
        File.WriteAllLines(Path.Combine(directory, "customer.csv"), customer);
        var bureau = File.ReadAllLines(GeneratedData.Small.BureauFile).Take(40).ToList();
        bureau[1] += ",extra";                                      // line 2: one value too many
        File.WriteAllLines(Path.Combine(directory, "bureau.csv"), bureau);

        var input = TopUpInput.LoadDirectory(directory, TopUpSchema.Default);
        Assert.That(input.Rejected.Select(r => (Path.GetFileName(r.File), r.Line)),
            Is.EqualTo(new[] { ("customer.csv", 4L), ("customer.csv", 7L), ("bureau.csv", 2L) }));
        Assert.That(input.Rejected[1].Reason, Does.Contain("empty ID"));
        Assert.That(input.Rejected[2].Reason, Does.Contain("26 values where the header has 25"));

        var run = await ProduceAndReadBack(input, Replay(batches: 1) with { StopAtEnd = true });
        Assert.That(run.Customers, Has.Count.EqualTo(10), "the 12 rows minus the 2 bad ones");
        Assert.That(run.Bureau, Has.Count.EqualTo(input.Customers.Sum(c => input.BureauRowsOf(c.Id).Count)));
    }

    private static TopUpInput Input(GeneratedData.Dataset dataset) => TopUpInput.LoadDirectory(dataset.Directory, TopUpSchema.Default);

    [Test]
    public async Task A_customers_rows_go_to_the_same_partition_number_of_both_topics_as_a_Java_client_would_place_them()
    {
        var run = await ProduceAndReadBack(SmallInput, Replay(batches: 6));
        Assert.That(run.Customers.Concat(run.Bureau).Select(m => m.Partition).Distinct().Count(), Is.EqualTo(Partitions), "the keys spread over every partition");
        Assert.Multiple(() =>
        {
            foreach (var message in run.Customers.Concat(run.Bureau))
                Assert.That(message.Partition, Is.EqualTo(JavaDefaultPartition(message.Key, Partitions)), message.ToString);
        });
    }

    /// <summary>Kafka's Java DefaultPartitioner for a keyed record: toPositive(murmur2(key bytes)) % partitions.</summary>
    private static int JavaDefaultPartition(string key, int partitions)
    {
        var data = System.Text.Encoding.UTF8.GetBytes(key);
        const uint m = 0x5bd1e995;
        const int r = 24;
        var h = 0x9747b28c ^ (uint)data.Length;
        var length4 = data.Length / 4;
        for (var i = 0; i < length4; i++)
        {
            var k = BitConverter.ToUInt32(data, i * 4);
            k *= m;
            k ^= k >> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        var tail = length4 * 4;
        switch (data.Length % 4)
        {
            case 3:
                h ^= (uint)data[tail + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)data[tail + 1] << 8;
                goto case 1;
            case 1:
                h ^= data[tail];
                h *= m;
                break;
        }
        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return (int)(h & 0x7fffffff) % partitions;
    }

    [Test]
    public async Task Batches_Kafka_never_took_are_reported_as_not_delivered_and_the_wait_names_the_broker_without_a_flood()
    {
        // Nothing listens on port 1; librdkafka gives a message up after message.timeout.ms.
        var kafka = new KafkaSettings("127.0.0.1:1", new Dictionary<string, string> { ["message.timeout.ms"] = "2500" });
        var log = new CollectingLoggerProvider();
        using var loggers = log.CreateFactory();
        var producer = new TopUpProducer(SmallInput, kafka, new ProducerOptions { Interval = TimeSpan.FromSeconds(1), MaxBatches = 2, Seed = 7 },
            loggers.CreateLogger("producer"));

        var summary = await producer.RunAsync(CancellationToken.None);

        var messages = log.Entries.Select(e => e.Message).ToList();
        Assert.That(messages.Where(m => m.StartsWith("batch 0: NOT delivered: Kafka did not take ", StringComparison.Ordinal)).ToList(), Has.Count.EqualTo(1),
            string.Join('\n', messages));
        Assert.That(messages.Any(m => m.StartsWith("batch 1: NOT delivered", StringComparison.Ordinal)), Is.True);
        Assert.That(messages.Where(m => m.StartsWith("batch 0: ", StringComparison.Ordinal) && m.Contains("customers, ") && !m.Contains("NOT delivered")), Is.Empty,
            "no batch is reported as sent");
        Assert.That(messages.Any(m => m.StartsWith("batch 0 is not acknowledged by Kafka at 127.0.0.1:1 after ", StringComparison.Ordinal)), Is.True);
        Assert.That(summary.DeliveryFailures, Is.EqualTo(summary.CustomerMessages + summary.BureauMessages));
        var kafkaWarnings = log.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.StartsWith("Kafka at 127.0.0.1:1 ", StringComparison.Ordinal));
        Assert.That(kafkaWarnings, Is.InRange(1, 2), "librdkafka's retries are reported once per 10 s, in a run of about 6 s");
    }
}
