using NUnit.Framework;
using TopUpSpark.Streaming.Execution;

namespace TopUpSpark.Streaming.Tests;

public class TriggerAndSessionTests
{
    [TestCase("available-now", typeof(Trigger.AvailableNow))]
    [TestCase("default", typeof(Trigger.AsSoonAsPossible))]
    [TestCase("5s", typeof(Trigger.ProcessingTime))]
    public void Triggers_parse(string text, Type expected) => Assert.That(Trigger.Parse(text), Is.InstanceOf(expected));

    [TestCase("500ms", 500)]
    [TestCase("5 seconds", 5000)]
    [TestCase("1m", 60000)]
    public void Intervals_parse(string text, int millis) =>
        Assert.That(((Trigger.ProcessingTime)Trigger.Parse(text)).Interval, Is.EqualTo(TimeSpan.FromMilliseconds(millis)));

    [TestCase("soon")]
    [TestCase("0s")]
    [TestCase("-5s")]
    public void Bad_triggers_are_rejected(string text) => Assert.That(() => Trigger.Parse(text), Throws.TypeOf<FormatException>());

    [Test]
    public async Task The_input_rate_spreads_a_batchs_rows_over_the_time_since_the_batch_before_started_as_sparks_does()
    {
        using var harness = new StreamHarness();
        harness.AddBureau(StreamHarness.BureauJson("1", 10), StreamHarness.BureauJson("2", 10));
        using var stop = new CancellationTokenSource();
        var run = harness.RunAsync(new Trigger.AsSoonAsPossible(), stop.Token);
        await WaitFor(() => DataBatches(harness) == 1);
        var pause = TimeSpan.FromMilliseconds(600);
        await Task.Delay(pause);
        harness.AddBureau([.. Enumerable.Range(3, 40).Select(id => StreamHarness.BureauJson(id.ToString(), 11))]);
        await WaitFor(() => DataBatches(harness) == 2);
        await stop.CancelAsync();
        await run;

        var batches = harness.Progress.Where(p => p.NumInputRows > 0).ToList();
        Assert.That(batches[0].InputRowsPerSecond, Is.EqualTo(batches[0].ProcessedRowsPerSecond), "a first batch has only its own time");
        var second = batches[1];
        Assert.That(second.InputRowsPerSecond, Is.LessThanOrEqualTo(second.NumInputRows / (pause.TotalSeconds - 0.1)),
            "the wait for the rows counts in the input rate");
        Assert.That(second.ProcessedRowsPerSecond, Is.GreaterThan(second.InputRowsPerSecond), "the processing rate counts the batch's own time only");
    }

    private static int DataBatches(StreamHarness harness)
    {
        lock (harness.Progress) return harness.Progress.Count(p => p.NumInputRows > 0);
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TopUpSpark.TestSupport.Waits.HangBound;
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the query did not run the batch in time");
            await Task.Delay(20);
        }
    }

    [TestCase("local", 1)]
    [TestCase("local[2]", 2)]
    [TestCase("local[7]", 7)]
    public void Local_masters_set_the_core_count(string master, int cores) =>
        Assert.That(StreamingSession.CreateBuilder().Master(master).GetOrCreate().Cores, Is.EqualTo(cores));

    [TestCase("yarn")]
    [TestCase("spark://host:7077")]
    [TestCase("k8s://https://api")]
    public void Cluster_masters_fail_with_a_clear_message(string master) =>
        Assert.That(() => StreamingSession.CreateBuilder().Master(master), Throws.ArgumentException.With.Message.Contains("embedded engine"));

    [Test]
    public void The_session_time_zone_is_utc_only()
    {
        Assert.That(StreamingSession.CreateBuilder().Config("spark.sql.session.timeZone", "UTC").GetOrCreate().SessionTimeZone, Is.EqualTo("UTC"));
        Assert.That(() => StreamingSession.CreateBuilder().Config("spark.sql.session.timeZone", "Asia/Kolkata"),
            Throws.ArgumentException.With.Message.Contains("UTC"));
    }
}

/// <summary>
/// Triggers of a running query, on a <see cref="TriggerClock"/>: the test decides when time passes, and the
/// query has dealt with each moment before the next comes, so batch starts are asserted exactly.
/// </summary>
public class ContinuousTriggerTests
{
    [Test]
    public async Task The_default_trigger_runs_a_batch_as_soon_as_new_data_is_there_and_stops_when_cancelled()
    {
        var clock = new TriggerClock();
        using var h = new StreamHarness { Time = clock };
        await RunTheWorkedExample(h, clock, new Trigger.AsSoonAsPossible(), timeForTheSecondPart: StreamHarness.PollInterval);
        Assert.That(h.Joined.Single().Row[2], Is.EqualTo("1"));
        lock (h.Progress)
        {
            Assert.That(h.Progress.Select(p => p.BatchId), Is.Ordered.And.Unique);
            Assert.That(h.Progress.Select(p => p.NumInputRows), Is.EqualTo(new long[] { 2, 2, 0 }));
        }
        Assert.That(BatchStarts(h, clock), Is.EqualTo(new[] { TimeSpan.Zero, StreamHarness.PollInterval, StreamHarness.PollInterval }),
            "the first batch at once, the second on the first look after its rows arrived, the no-data batch right after it");
    }

    /// <summary>
    /// DESIGN §4's worked example on a running stream: rows @100, then rows @130, whose no-data batch emits
    /// [90,120). Each part's rows are added while the query waits on the clock, so one batch reads them all.
    /// </summary>
    private static async Task RunTheWorkedExample(StreamHarness h, TriggerClock clock, Trigger trigger, TimeSpan timeForTheSecondPart)
    {
        using var stop = new CancellationTokenSource();
        h.AddBureau(StreamHarness.BureauJson("1", 100));
        h.AddCustomers(StreamHarness.CustomerJson("1", 100));
        var running = h.RunAsync(trigger, stop.Token);
        clock.WaitForTheQueryToWait();
        h.AddBureau(StreamHarness.BureauJson("2", 130));
        h.AddCustomers(StreamHarness.CustomerJson("2", 130));
        clock.Pass(timeForTheSecondPart);
        stop.Cancel();
        await running;
    }

    [Test]
    public async Task A_processing_time_trigger_starts_batches_only_on_its_interval_boundaries_even_with_rows_waiting()
    {
        var clock = new TriggerClock();
        using var h = new StreamHarness(maxRecordsPerTrigger: 2) { Time = clock };
        using var stop = new CancellationTokenSource();
        var interval = TimeSpan.FromMilliseconds(300);
        h.AddBureau(StreamHarness.BureauJson("1", 10));
        var running = h.RunAsync(new Trigger.ProcessingTime(interval), stop.Token);
        clock.WaitForTheQueryToWait();
        // A row every third of an interval, at most two a batch: rows wait whenever a batch ends, and
        // arrive in the middle of intervals, yet the next batch waits for the next boundary.
        for (var step = 1; step <= 9; step++)
        {
            h.AddBureau(StreamHarness.BureauJson("1", 10 + step));
            clock.Pass(interval / 3);
        }
        stop.Cancel();
        await running;
        lock (h.Progress) Assert.That(h.Progress.Select(p => p.NumInputRows), Is.EqualTo(new long[] { 1, 2, 2, 2 }));
        Assert.That(BatchStarts(h, clock), Is.EqualTo(new[] { TimeSpan.Zero, interval, 2 * interval, 3 * interval }));
    }

    [Test]
    public async Task A_processing_time_trigger_waits_out_timers_that_wake_early_and_runs_a_no_data_batch_on_the_next_interval()
    {
        var clock = new TriggerClock { WakeEarly = TimeSpan.FromMilliseconds(40) };
        using var h = new StreamHarness { Time = clock };
        var interval = TimeSpan.FromMilliseconds(300);
        await RunTheWorkedExample(h, clock, new Trigger.ProcessingTime(interval), timeForTheSecondPart: 2 * interval);
        Assert.That(h.Joined, Has.Count.EqualTo(1));
        lock (h.Progress) Assert.That(h.Progress.Select(p => p.NumInputRows), Is.EqualTo(new long[] { 2, 2, 0 }));
        Assert.That(BatchStarts(h, clock), Is.EqualTo(new[] { TimeSpan.Zero, interval, 2 * interval }),
            "the data batch and the no-data batch each on its own interval");
    }

    /// <summary>When each batch started, counted from the query's start (the clock stands still until the query waits on it).</summary>
    private static List<TimeSpan> BatchStarts(StreamHarness h, TriggerClock clock)
    {
        lock (h.Progress) return h.Progress.Select(p => p.Timestamp - clock.Start).ToList();
    }
}
