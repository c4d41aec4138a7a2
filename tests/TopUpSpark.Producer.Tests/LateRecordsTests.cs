using System.Collections.Concurrent;
using NUnit.Framework;
using TopUpSpark.Core.Cli;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Schema;

namespace TopUpSpark.Producer.Tests;

/// <summary><c>--late MIN-MAX</c>: customers held back one batch, sent with the next one under their own ts.</summary>
public sealed class LateRecordsTests
{
    private const int Partitions = 4;
    private const long StartTs = 1_700_000_000;
    private const int Batches = 12;

    private static TopUpInput? _input;
    private static TopUpInput SmallInput => _input ??= TopUpInput.LoadDirectory(GeneratedData.Small.Directory, TopUpSchema.Default);

    private static ProducerOptions Options(CountRange late, int? lateSeed) => new()
    {
        Replay = true,
        MaxBatches = Batches,
        Seed = 42,
        ReplayStart = DateTimeOffset.FromUnixTimeSeconds(StartTs),
        Late = late,
        LateSeed = lateSeed,
    };

    private static async Task<(List<ProducedBatch> Batches, List<ReadMessage> Customers, List<ReadMessage> Bureau)> Produce(ProducerOptions options)
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: ["customer", "bureau"], partitions: Partitions);
        var producer = new TopUpProducer(SmallInput, new KafkaSettings(cluster.BootstrapServers), options);
        var batches = new ConcurrentQueue<ProducedBatch>();
        producer.BatchProduced += batches.Enqueue;
        var summary = await producer.RunAsync();
        Assert.That(summary.DeliveryFailures, Is.Zero);
        return (batches.ToList(), KafkaReadBack.ReadAll(cluster.BootstrapServers, "customer", Partitions),
            KafkaReadBack.ReadAll(cluster.BootstrapServers, "bureau", Partitions));
    }

    [Test]
    public async Task Held_back_customers_and_their_bureau_rows_arrive_one_batch_later_with_their_original_ts()
    {
        var (batches, customers, bureau) = await Produce(Options(new CountRange(1, 3), lateSeed: 7));
        var bureauRowsInFile = CsvTable.Read(GeneratedData.Small.BureauFile).Column("ID").GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        var batchOfTs = batches.ToDictionary(b => b.Ts.ToString(), b => b.Number);

        Assert.Multiple(() =>
        {
            foreach (var batch in batches)
            {
                var ts = batch.Ts.ToString();
                var heldBack = batch.HeldBackIds;
                Assert.That(heldBack, batch.Number == Batches - 1 ? Is.Empty : Has.Count.InRange(1, 3),
                    $"batch {batch.Number} holds back 1-3 customers (the last none: no batch would send them)");
                Assert.That(heldBack.Intersect(batch.CustomerIds), Is.Empty, "held-back customers are not also sent on time");
                Assert.That(customers.Where(m => m.Ts == ts).Select(m => m.Key), Is.EquivalentTo(batch.CustomerIds.Concat(heldBack)),
                    $"every customer of batch {batch.Number}, on time or late, carries its ts");
                var expectedBureau = batch.CustomerIds.Concat(heldBack).SelectMany(id => Enumerable.Repeat(id, bureauRowsInFile.GetValueOrDefault(id)));
                Assert.That(bureau.Where(m => m.Ts == ts).Select(m => m.Key), Is.EquivalentTo(expectedBureau), $"and so do all their bureau rows");
                var next = batches.SingleOrDefault(b => b.Number == batch.Number + 1);
                if (next is null) continue;
                Assert.That(next.Late?.CustomerIds ?? [], Is.EqualTo(heldBack), "the next batch sends exactly the held-back customers");
                Assert.That(next.Late?.Ts ?? batch.Ts, Is.EqualTo(batch.Ts), "with the ts of the batch they belong to");
            }
        });

        // In Kafka: in every partition a held-back message of batch k comes after batch k+1's own messages and before batch k+2's.
        var heldBackOf = batches.ToDictionary(b => b.Number, b => b.HeldBackIds.ToHashSet());
        var lateSeenAfterNextBatch = 0;
        foreach (var partition in customers.Concat(bureau).GroupBy(m => (m.Topic, m.Partition)))
        {
            var messages = partition.ToList();
            for (var i = 0; i < messages.Count; i++)
            {
                var batch = batchOfTs[messages[i].Ts];
                if (!heldBackOf[batch].Contains(messages[i].Key)) continue;
                var onTimeBefore = messages.Take(i).Where(m => !IsLate(m)).Select(m => batchOfTs[m.Ts]).ToList();
                var onTimeAfter = messages.Skip(i + 1).Where(m => !IsLate(m)).Select(m => batchOfTs[m.Ts]).ToList();
                Assert.That(onTimeBefore, Has.All.AtMost(batch + 1), $"{messages[i]} is sent with batch {batch + 1}, not later");
                Assert.That(onTimeAfter, Has.All.AtLeast(batch + 2), $"{messages[i]} is sent with batch {batch + 1}, not earlier");
                if (onTimeBefore.LastOrDefault(-1) == batch + 1) lateSeenAfterNextBatch++;
            }
        }
        Assert.That(lateSeenAfterNextBatch, Is.Positive, "some late messages follow the next batch's own messages in their partition");

        bool IsLate(ReadMessage message) => heldBackOf[batchOfTs[message.Ts]].Contains(message.Key);
    }

    [Test]
    public async Task The_late_seed_reproduces_the_held_back_customers_and_leaves_the_batches_of_the_seed_as_they_were()
    {
        var first = await Produce(Options(new CountRange(0, 4), lateSeed: 11));
        var again = await Produce(Options(new CountRange(0, 4), lateSeed: 11));
        var otherSeed = await Produce(Options(new CountRange(0, 4), lateSeed: 12));
        var onTime = await Produce(Options(CountRange.None, lateSeed: null));

        static List<string[]> HeldBack(List<ProducedBatch> batches) => batches.Select(b => b.HeldBackIds.ToArray()).ToList();
        static List<string[]> BatchCustomers(List<ProducedBatch> batches) =>
            batches.Select(b => b.CustomerIds.Concat(b.HeldBackIds).Order(StringComparer.Ordinal).ToArray()).ToList();

        Assert.That(HeldBack(again.Batches), Is.EqualTo(HeldBack(first.Batches)), "same --late-seed, same customers held back");
        Assert.That(HeldBack(otherSeed.Batches), Is.Not.EqualTo(HeldBack(first.Batches)), "another --late-seed, another choice");
        Assert.That(first.Batches.SelectMany(b => b.HeldBackIds), Is.Not.Empty);
        Assert.That(first.Batches.Select(b => b.HeldBackIds.Count), Has.All.InRange(0, 4));
        Assert.That(BatchCustomers(first.Batches), Is.EqualTo(BatchCustomers(onTime.Batches)),
            "--seed alone decides which customers belong to each batch; --late only delays some of them");
        Assert.That(onTime.Batches.SelectMany(b => b.HeldBackIds), Is.Empty);
        Assert.That(onTime.Batches.Select(b => b.Late), Has.All.Null);
    }
}
