using System.Collections.Concurrent;
using NUnit.Framework;
using TopUpSpark.Core.Cli;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Producer.Cli;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Producer.Tests;

/// <summary><c>topup-producer stream</c>: any CSV, a fresh random count per group value each batch, rows held back one batch.</summary>
public sealed class CsvStreamProducerTests
{
    private const int Batches = 8;

    /// <summary>Readings of three machines, interleaved and of different lengths, so each machine wraps at its own end.</summary>
    private static string WriteReadings()
    {
        var directory = GeneratedData.NewDirectory("stream-csv");
        var path = Path.Combine(directory, "readings.csv");
        var machines = new[] { "press-1", "press-2", "lathe" };
        var lengths = new[] { 7, 3, 5 };
        var lines = new List<string> { "reading_id,machine,temperature,note" };
        var written = new int[machines.Length];
        for (var i = 0; written.Zip(lengths).Any(p => p.First < p.Second); i++)
        {
            var m = i % machines.Length;
            if (written[m] == lengths[m]) continue;
            lines.Add($"r{i},{machines[m]},{20 + i}.5,\"a, b\"");
            written[m]++;
        }
        lines.Insert(4, "broken,row");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static async Task<(List<StreamBatch> Batches, List<ReadMessage> Messages, IReadOnlyList<PreparedRow> Rows)> Stream(string file, int lateSeed)
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: ["readings"], partitions: 1);
        var producer = new CsvStreamProducer(new CsvStreamOptions
        {
            File = file, Topic = "readings", KeyColumn = "reading_id", GroupByColumn = "machine", Count = new CountRange(1, 3),
            Interval = TimeSpan.FromMilliseconds(20), Late = new CountRange(1, 2), Seed = 5, LateSeed = lateSeed, MaxBatches = Batches,
        }, new KafkaSettings(cluster.BootstrapServers));
        var batches = new ConcurrentQueue<StreamBatch>();
        producer.BatchProduced += batches.Enqueue;
        var summary = await producer.RunAsync();
        Assert.That(summary.DeliveryFailures, Is.Zero);
        var messages = KafkaReadBack.ReadAll(cluster.BootstrapServers, "readings", partitions: 1);
        Assert.That(summary.Messages, Is.EqualTo(messages.Count));
        return (batches.ToList(), messages, producer.Rows);
    }

    [Test]
    public async Task Each_machine_sends_a_fresh_count_of_its_next_rows_in_file_order_and_held_back_rows_follow_one_batch_later_with_their_ts()
    {
        var file = WriteReadings();
        var (batches, messages, rows) = await Stream(file, lateSeed: 1);
        var table = CsvTable.Read(file);
        var machineOf = table.Rows.Where(r => r.Length == table.Headers.Length).ToDictionary(r => table.Value(r, "reading_id"), r => table.Value(r, "machine"));

        Assert.That(rows.Select(r => r.Id), Is.EqualTo(table.Column("reading_id").Where(id => id != "broken")), "the bad row is skipped");
        Assert.Multiple(() =>
        {
            foreach (var machine in new[] { "press-1", "press-2", "lathe" })
            {
                var machineRows = rows.Select((row, index) => (row, index)).Where(r => machineOf[r.row.Id] == machine).Select(r => r.index).ToList();
                var cursor = 0;
                foreach (var batch in batches)
                {
                    // Held-back rows leave the batch's order, not the batch: compare each batch's rows as a set.
                    var sent = batch.OnTime.Concat(batch.HeldBack).Where(r => r.Group == machine).Select(r => r.Index).ToList();
                    Assert.That(sent, Is.EquivalentTo(Enumerable.Range(cursor, sent.Count).Select(i => machineRows[i % machineRows.Count])),
                        $"{machine}, batch {batch.Number}: its next rows in file order, wrapping at its end");
                    cursor += sent.Count;
                }
                Assert.That(cursor, Is.GreaterThan(machineRows.Count), $"{machine} wrapped");
                Assert.That(batches.Select(b => b.OnTime.Concat(b.HeldBack).Count(r => r.Group == machine)), Has.All.InRange(1, 3), $"{machine}: 1-3 rows per batch");
            }
            foreach (var batch in batches)
            {
                Assert.That(batch.HeldBack, batch.Number == Batches - 1 ? Is.Empty : Has.Count.InRange(1, 2), $"batch {batch.Number} holds back 1-2 rows");
                var previous = batches.SingleOrDefault(b => b.Number == batch.Number - 1);
                Assert.That(batch.Late, Is.EqualTo(previous?.HeldBack ?? []), "the next batch sends exactly the held-back rows");
                if (previous is not null) Assert.That(batch.LateTs, Is.EqualTo(previous.Ts));
            }
        });

        // In the topic's one partition: each batch's own rows with its ts, then the previous batch's held-back rows with theirs.
        var expected = batches.SelectMany(b => b.OnTime.Select(r => (r.Key, Ts: b.Ts)).Concat(b.Late.Select(r => (r.Key, Ts: b.LateTs))));
        Assert.That(messages.Select(m => (m.Key, Ts: long.Parse(m.Ts))), Is.EqualTo(expected));
        var first = messages[0];
        Assert.That(first.Field("machine"), Is.Not.Empty);
        Assert.That(first.Field("note"), Is.EqualTo("a, b"), "every column, as the string it is in the file");
    }

    [Test]
    public async Task The_seeds_reproduce_the_batches()
    {
        var file = WriteReadings();
        static List<string> Shape(List<StreamBatch> batches) =>
            batches.Select(b => string.Join(",", b.OnTime.Select(r => r.Key)) + "|" + string.Join(",", b.HeldBack.Select(r => r.Key))).ToList();

        var first = await Stream(file, lateSeed: 2);
        var again = await Stream(file, lateSeed: 2);
        var other = await Stream(file, lateSeed: 3);

        Assert.That(Shape(again.Batches), Is.EqualTo(Shape(first.Batches)));
        Assert.That(Shape(other.Batches), Is.Not.EqualTo(Shape(first.Batches)), "another --late-seed holds back other rows");
    }

    [Test]
    public void A_header_without_the_key_or_group_column_or_with_a_ts_column_is_refused_with_the_columns_named()
    {
        var directory = GeneratedData.NewDirectory("stream-header");
        var path = Path.Combine(directory, "bad.csv");
        File.WriteAllLines(path, ["id,ts,value", "1,2,3"]);
        var options = new CsvStreamOptions { File = path, Topic = "t", KeyColumn = "reading_id", GroupByColumn = "machine" };

        var error = Assert.Throws<InputDataException>(() => _ = new CsvStreamProducer(options, new KafkaSettings("127.0.0.1:1")))!;
        Assert.That(error.Message, Does.Contain("no key column 'reading_id'").And.Contain("no group-by column 'machine'")
            .And.Contain("a column 'ts', the field the producer adds").And.Contain("'id', 'ts', 'value'"));
    }

    [TestCase(new[] { "stream", "--topic", "t", "--key", "k" }, "--file is required (or its environment variable TOPUP_STREAM_FILE)")]
    [TestCase(new[] { "stream", "--file", "f", "--topic", "t", "--key", "k", "--count", "0-2" }, "--count must have MIN at least 1, got 0-2")]
    [TestCase(new[] { "stream", "--file", "f", "--topic", "t", "--key", "k", "--interval", "0s" }, "--interval must be longer than 0")]
    [TestCase(new[] { "stream", "--file", "f", "--topic", "bad topic", "--key", "k" }, "--topic must be a Kafka topic name")]
    [TestCase(new[] { "stream", "--file", "f", "--topic", "t", "--key", "k", "--late", "2-1" }, "--late must have MIN ≤ MAX, got 2 > 1")]
    public Task A_refused_stream_flag_is_named(string[] args, string message) => CommandLineRun.AssertRefusedAsync(RunCommand.Root(), args, message);

    [Test]
    public void Good_stream_flags_parse() =>
        Assert.That(RunCommand.Root().Parse(["stream", "--file", "f.csv", "--topic", "t", "--key", "id", "--group-by", "machine", "--count", "2-4",
            "--interval", "500ms", "--late", "0-1", "--seed", "1", "--late-seed", "2", "--batches", "3"]).Errors, Is.Empty);
}
