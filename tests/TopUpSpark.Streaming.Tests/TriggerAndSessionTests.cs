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

public class ContinuousTriggerTests
{
    private static void WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}");
            Thread.Sleep(20);
        }
    }

    private static int BatchesWithData(StreamHarness h) { lock (h.Progress) return h.Progress.Count(p => p.NumInputRows > 0); }

    [Test]
    public async Task The_default_trigger_runs_a_batch_whenever_new_data_arrives_and_stops_when_cancelled()
    {
        using var h = new StreamHarness();
        await RunTheWorkedExample(h, new Trigger.AsSoonAsPossible());
        Assert.That(h.Joined.Single().Row[2], Is.EqualTo("1"));
        lock (h.Progress) Assert.That(h.Progress.Select(p => p.BatchId), Is.Ordered.And.Unique);
    }

    /// <summary>DESIGN §4's worked example on a running stream: rows @100, then rows @130, whose no-data batch emits [90,120).</summary>
    private static async Task RunTheWorkedExample(StreamHarness h, Trigger trigger)
    {
        using var stop = new CancellationTokenSource();
        h.AddBureau(StreamHarness.BureauJson("1", 100));
        h.AddCustomers(StreamHarness.CustomerJson("1", 100));
        var running = h.RunAsync(trigger, stop.Token);
        WaitFor(() => BatchesWithData(h) >= 1, "the first batch");
        h.AddBureau(StreamHarness.BureauJson("2", 130));
        h.AddCustomers(StreamHarness.CustomerJson("2", 130));
        WaitFor(() => h.Joined.Count == 1, "the window [90,120) to be emitted by a no-data batch");
        stop.Cancel();
        await running;
    }

    [Test]
    public async Task A_processing_time_trigger_starts_batches_no_more_often_than_its_interval()
    {
        using var h = new StreamHarness();
        using var stop = new CancellationTokenSource();
        var interval = TimeSpan.FromMilliseconds(300);
        var running = h.RunAsync(new Trigger.ProcessingTime(interval), stop.Token);
        for (var i = 0; i < 4; i++)
        {
            h.AddBureau(StreamHarness.BureauJson("1", 10 + i));
            WaitFor(() => BatchesWithData(h) > i, $"batch {i}");
        }
        stop.Cancel();
        await running;
        Assert.That(IntervalsAfterTheFirstBatch(h, interval), Is.Unique, "one batch per interval at most");
    }

    [Test]
    public async Task A_processing_time_trigger_waits_out_timers_that_wake_early_and_runs_a_no_data_batch_on_the_next_interval()
    {
        using var h = new StreamHarness { Time = new EarlyWakingTime(TimeSpan.FromMilliseconds(40)) };
        var interval = TimeSpan.FromMilliseconds(300);
        await RunTheWorkedExample(h, new Trigger.ProcessingTime(interval));
        lock (h.Progress) Assert.That(h.Progress.Select(p => p.NumInputRows), Is.EqualTo(new long[] { 2, 2, 0 }));
        Assert.That(IntervalsAfterTheFirstBatch(h, interval), Is.EqualTo(new long[] { 0, 1, 2 }), "the data batch and the no-data batch each on its own interval");
    }

    /// <summary>
    /// Which interval after the first batch each batch started in. Batches start on interval boundaries,
    /// so rounding to the nearest boundary tolerates a scheduling delay of up to half an interval.
    /// </summary>
    private static List<long> IntervalsAfterTheFirstBatch(StreamHarness h, TimeSpan interval)
    {
        List<DateTimeOffset> starts;
        lock (h.Progress) starts = h.Progress.Select(p => p.Timestamp).ToList();
        return starts.Select(s => (long)Math.Round((s - starts[0]) / interval)).ToList();
    }

    /// <summary>The system clock, with timers that fire up to <paramref name="early"/> before they are due, as coarse OS timers may.</summary>
    private sealed class EarlyWakingTime(TimeSpan early) : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var wokenEarly = dueTime <= TimeSpan.Zero ? dueTime : dueTime - TimeSpan.FromTicks(Math.Min(early.Ticks, dueTime.Ticks / 2));
            return System.CreateTimer(callback, state, wokenEarly, period);
        }
    }
}
