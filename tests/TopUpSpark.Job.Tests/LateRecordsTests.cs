using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using TopUpSpark.Core;
using TopUpSpark.Core.Cli;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Schema;
using TopUpSpark.Producer;
using TopUpSpark.Producer.DataGeneration;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Job.Tests;

/// <summary>
/// The producer's <c>--late 1-3</c> against the job: the rows the job drops as late are exactly the rows that
/// Spark's rules, applied by this test on its own, call late.
/// </summary>
[NonParallelizable]
public class LateRecordsTests
{
    // Windows, producer cycles and the watermark line up: 30 s windows, one producer batch every 30 s of event
    // time from a window boundary, no watermark delay. Every move of the watermark then closes the window of the
    // batch before, so a no-data batch follows every data batch from the second on; and a customer held back one
    // cycle arrives with the ts the watermark has just reached.
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Delay = TimeSpan.Zero;
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
    private const int Batches = 8;

    [Test]
    public async Task With_late_1_3_the_jobs_late_drops_equal_the_held_back_rows_spark_calls_late()
    {
        var work = RepositoryRoot.NewScratchDirectory("late-records");
        try
        {
            var modelFile = await JobTestBed.ImportCourseModel(work);
            var data = Path.Combine(work, "data");
            DataGenerator.Generate(new GeneratorOptions { Customers = 400, Seed = 21, OutputDirectory = data });
            var input = TopUpInput.LoadDirectory(data, TopUpSchema.Default);
            using var cluster = EmbeddedKafkaCluster.Start(topics: Topics.All, partitions: 4);
            var kafka = new KafkaSettings(cluster.BootstrapServers);
            var options = new TopUpJobOptions
            {
                OutputDirectory = Path.Combine(work, "out"),
                ModelFile = modelFile,
                Trigger = new Trigger.AvailableNow(),
                WatermarkDelay = Delay,
                WindowLength = Window,
            };

            // One scheduled (available-now) job run after each producer batch, once Kafka holds all of it: each
            // producer batch, with the rows held back from the one before, is one data batch of the job.
            var batches = new List<ProducedBatch>();
            var runs = new List<JobSummary>();
            long customers = 0, bureau = 0;
            var producer = new TopUpProducer(input, kafka, new ProducerOptions
            {
                Replay = true, ReplayStart = Start, Interval = Window, MaxBatches = Batches, Seed = 8, Late = new CountRange(1, 3), LateSeed = 9,
            }, NullLogger.Instance);
            producer.BatchProduced += batch =>
            {
                batches.Add(batch);
                customers += batch.CustomerIds.Count + (batch.Late?.CustomerIds.Count ?? 0);
                bureau += batch.BureauRows + (batch.Late?.BureauRows ?? 0);
                WaitForMessages(kafka, Topics.Customer, customers);
                WaitForMessages(kafka, Topics.Bureau, bureau);
                var run = TopUpJob.RunAsync(options, kafka, NullLoggerFactory.Instance, CancellationToken.None).GetAwaiter().GetResult();
                Assert.That(run.Failed, Is.False, run.Error);
                runs.Add(run);
            };
            await producer.RunAsync();

            var expected = LateRowsBySparksRules(batches, input);
            TestContext.Out.WriteLine($"held back: {batches.Sum(b => b.HeldBackIds.Count)} customers; late by Spark's rules: {expected.Customers} customer and {expected.Bureau} bureau rows");
            Assert.That(expected.Customers + expected.Bureau, Is.Positive, "the run must hold back rows the watermark has passed");
            Assert.That(expected.OnTimeLate, Is.Zero, "only held-back rows can be late");
            Assert.That(runs.Sum(r => r.LateRowsDropped), Is.EqualTo(expected.Customers + expected.Bureau), "late rows the job dropped");
            Assert.That(runs.Sum(r => r.DeadLetters), Is.Zero);
            Assert.That(runs.Sum(r => r.InputRows), Is.EqualTo(customers + bureau), "every row was read");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// Spark's rules (DESIGN §4), one job data batch per producer batch: per input the watermark is the largest ts of
    /// the batches before, minus the delay; the global one the minimum over the inputs. A batch evicts with that
    /// watermark and judges late rows with the one the batch before it evicted with (several stateful operators).
    /// A customer row is late when ts ≤ that watermark; a bureau row when its window's end is. After a data batch, a
    /// no-data batch runs when the new watermark closes a window still open.
    /// </summary>
    private static (long Customers, long Bureau, long OnTimeLate) LateRowsBySparksRules(List<ProducedBatch> batches, TopUpInput input)
    {
        long lateCustomers = 0, lateBureau = 0, onTimeLate = 0;
        DateTimeOffset? maxCustomerTs = null, maxBureauTs = null, previousEviction = null;
        var openWindowEnds = new SortedSet<DateTimeOffset>();
        DateTimeOffset? Watermark() => maxCustomerTs is { } c && maxBureauTs is { } b ? (c < b ? c : b) - Delay : null;
        DateTimeOffset WindowEnd(DateTimeOffset ts) => DateTimeOffset.FromUnixTimeSeconds(ts.ToUnixTimeSeconds() / 30 * 30 + 30);
        void Evict(DateTimeOffset? watermark) => openWindowEnds.RemoveWhere(end => watermark is { } w && end <= w);

        foreach (var batch in batches)
        {
            var rows = batch.CustomerIds.Select(id => (Id: id, batch.Ts, HeldBack: false))
                .Concat((batch.Late?.CustomerIds ?? []).Select(id => (Id: id, batch.Late!.Ts, HeldBack: true)))
                .Select(c => (c.Id, Ts: DateTimeOffset.FromUnixTimeSeconds(c.Ts), c.HeldBack))
                .ToList();
            var lateMark = previousEviction;
            var eviction = Watermark();
            foreach (var (id, ts, heldBack) in rows)
            {
                var customerLate = lateMark is { } w && ts <= w;
                if (customerLate) lateCustomers++;
                var bureauRows = input.BureauRowsOf(id).Count;
                var bureauLate = lateMark is { } m && WindowEnd(ts) <= m;
                if (bureauLate) lateBureau += bureauRows;
                else if (bureauRows > 0) openWindowEnds.Add(WindowEnd(ts));
                if ((customerLate || (bureauLate && bureauRows > 0)) && !heldBack) onTimeLate++;
                maxCustomerTs = Max(maxCustomerTs, ts);
                if (bureauRows > 0) maxBureauTs = Max(maxBureauTs, ts);
            }
            Evict(eviction);
            previousEviction = eviction;
            if (Watermark() is { } next && (eviction is null || next > eviction) && openWindowEnds.Any(end => end <= next))
            {
                Evict(next);
                previousEviction = next;
            }
        }
        return (lateCustomers, lateBureau, onTimeLate);
    }

    private static DateTimeOffset Max(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;

    private static void WaitForMessages(KafkaSettings kafka, string topic, long count)
    {
        var deadline = DateTime.UtcNow + Waits.HangBound;
        while (JobTestBed.HighWatermarks(kafka, topic, 4).Values.Sum() < count)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"{topic} did not receive {count} messages");
            Thread.Sleep(20);
        }
    }
}
