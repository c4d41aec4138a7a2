using System.Text;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using TopUpSpark.Consumer.Streams;

namespace TopUpSpark.Consumer.Tests;

/// <summary>The stream counts' arithmetic, on a clock the test moves: buckets, windows, groups, late records, bad messages.</summary>
public sealed class StreamCounterTests
{
    private static readonly TimeSpan Bucket = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(20);
    private static readonly DateTimeOffset Start = new(2026, 5, 1, 10, 0, 2, TimeSpan.Zero);

    private sealed record Sent(TimeSpan At, string Topic, string? State, long Ts);

    [Test]
    public void Records_count_in_the_bucket_of_the_moment_they_are_read_per_topic_and_per_group_and_in_the_window_before()
    {
        var random = new Random(3);
        string[] states = ["GUJARAT", "ORISSA", "KERALA"];
        // Twelve buckets of records, some with a ts from a bucket before the one they arrive in.
        var sent = Enumerable.Range(0, 300)
            .Select(_ => TimeSpan.FromMilliseconds(random.Next(0, 60_000)))
            .Order()
            .Select(at =>
            {
                var topic = random.Next(3) == 0 ? "bureau" : "customer";
                var ts = (Start + at).ToUnixTimeSeconds() - (random.Next(5) == 0 ? random.Next(1, 12) : 0);
                return new Sent(at, topic, topic == "customer" ? states[random.Next(states.Length)] : null, ts);
            })
            .ToList();
        var time = new FakeTimeProvider(Start);
        var counter = new StreamCounter(new StreamCountsOptions(["customer", "bureau"], "State", Window, Bucket), "test:9092", "group", time);
        foreach (var record in sent)
        {
            time.SetUtcNow(Start + record.At);
            var state = record.State is null ? "" : $",\"State\":\"{record.State}\"";
            counter.Count(record.Topic, Encoding.UTF8.GetBytes($"{{\"ID\":\"1\"{state},\"ts\":\"{record.Ts}\"}}"), "test");
        }
        var snapshot = counter.Publish();

        // The expectation, from the records sent: bucket = whole 5 s of the Unix epoch; late = its ts second ended before the bucket began.
        long BucketOf(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / 5000;
        var shown = snapshot.BucketStarts.Select(b => BucketOf(b)).ToList();
        Assert.That(shown, Is.EqualTo(Enumerable.Range(0, shown.Count).Select(i => BucketOf(Start + TimeSpan.FromSeconds(60)) - shown.Count + 1 + i)),
            "consecutive buckets up to the current one");
        Assert.That(shown, Has.Count.EqualTo(4), "one window of buckets");
        var expectedSeries = sent.GroupBy(s => (s.Topic, (string?)null)).Concat(sent.GroupBy(s => (s.Topic, (string?)(s.State ?? StreamCountsOptions.NoGroupValue))));
        Assert.Multiple(() =>
        {
            foreach (var group in expectedSeries)
            {
                var series = snapshot.Series.Single(s => s.Topic == group.Key.Topic && s.Group == group.Key.Item2);
                var perBucket = shown.Select(b => (long)group.Count(s => BucketOf(Start + s.At) == b)).ToList();
                var latePerBucket = shown.Select(b => (long)group.Count(s => BucketOf(Start + s.At) == b && (s.Ts + 1) * 1000 <= b * 5000)).ToList();
                var inWindow = shown.Select(b => (long)group.Count(s => BucketOf(Start + s.At) > b - 4 && BucketOf(Start + s.At) <= b)).ToList();
                Assert.That(series.Records, Is.EqualTo(perBucket), $"{series.Name}: records per bucket");
                Assert.That(series.Late, Is.EqualTo(latePerBucket), $"{series.Name}: late records per bucket");
                Assert.That(series.InWindow, Is.EqualTo(inWindow), $"{series.Name}: records in the window ending with each bucket");
                Assert.That(series.Total, Is.EqualTo(group.Count()), $"{series.Name}: all records since the start");
            }
        });
        Assert.That(snapshot.Series.Where(s => s.Group is null).Sum(s => s.TotalLate), Is.Positive, "the data had late records");
        Assert.That(snapshot.Status.Messages, Is.EqualTo(sent.Count));
    }

    [Test]
    public void Buckets_advance_with_the_clock_when_nothing_arrives_and_the_lines_fall_to_zero()
    {
        var time = new FakeTimeProvider(Start);
        var counter = new StreamCounter(new StreamCountsOptions(["customer"], null, Window, Bucket), "test:9092", "group", time);
        counter.Count("customer", """{"ts":"1"}"""u8, "test");
        var first = counter.Publish();
        time.Advance(Bucket);
        var second = counter.Publish();
        time.Advance(TimeSpan.FromSeconds(30));
        var later = counter.Publish();

        Assert.That(first.Series.Single().Records, Is.EqualTo(new[] { 1L }));
        Assert.That(second.Version, Is.GreaterThan(first.Version), "a new bucket is a new snapshot, with no record read");
        Assert.That(second.Series.Single().Records, Is.EqualTo(new[] { 1L, 0L }));
        Assert.That(later.Series.Single().Records, Is.EqualTo(new long[4]), "the window shown has moved past the record");
        Assert.That(counter.Publish(), Is.SameAs(later), "nothing new, same bucket: no new snapshot");
    }

    [TestCase("not json")]
    [TestCase("[1,2]")]
    [TestCase("{\"ts\":\"12\"")]
    [TestCase("{\"ts\":\"12\"} trailing")]
    public void An_unreadable_message_is_counted_as_a_record_and_listed_with_its_reason(string value)
    {
        var time = new FakeTimeProvider(Start);
        var counter = new StreamCounter(new StreamCountsOptions(["customer"], "State", Window, Bucket), "test:9092", "group", time);
        counter.Count("customer", Encoding.UTF8.GetBytes(value), "customer[0]@7");
        counter.Count("customer", """{"State":"KERALA","ts":"1"}"""u8, "customer[0]@8");
        var snapshot = counter.Publish();

        Assert.That(snapshot.Status.Unreadable, Is.EqualTo(1));
        Assert.That(snapshot.Status.RecentUnreadable.Single().Source, Is.EqualTo("customer[0]@7"));
        Assert.That(snapshot.Status.RecentUnreadable.Single().Reason, Does.StartWith("not"));
        Assert.That(snapshot.Series.Single(s => s.Group is null).Total, Is.EqualTo(2), "both arrived");
        Assert.That(snapshot.Series.Single(s => s.Group == StreamCountsOptions.NoGroupValue).Total, Is.EqualTo(1));
        Assert.That(snapshot.Series.Single(s => s.Group == "KERALA").Total, Is.EqualTo(1));
    }

    [Test]
    public void Past_the_limit_of_groups_a_topics_further_values_share_one_line()
    {
        var counter = new StreamCounter(new StreamCountsOptions(["bureau"], "ID", Window, Bucket), "test:9092", "group", new FakeTimeProvider(Start));
        const int ids = StreamCountsOptions.MaxGroupsPerTopic + 20;
        for (var id = 0; id < ids; id++)
            counter.Count("bureau", Encoding.UTF8.GetBytes($"{{\"ID\":\"{id}\"}}"), "test");
        var groups = counter.Publish().Series.Where(s => s.Group is not null).ToList();

        Assert.That(groups, Has.Count.EqualTo(StreamCountsOptions.MaxGroupsPerTopic + 1));
        Assert.That(groups.Single(s => s.Group == StreamCountsOptions.OtherGroups).Total, Is.EqualTo(20));
        Assert.That(groups.Sum(s => s.Total), Is.EqualTo(ids));
    }
}

/// <summary><c>counts --text</c>: the table of the bucket that closed last.</summary>
public sealed class StreamCountsTextTests
{
    [Test]
    public void The_table_shows_the_closed_buckets_records_and_late_records_per_stream_and_the_windows_totals()
    {
        var start = new DateTimeOffset(2026, 5, 1, 10, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        var counter = new StreamCounter(new StreamCountsOptions(["customer"], "State", TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5)), "test:9092", "group", time);
        var onTime = start.ToUnixTimeSeconds();
        foreach (var state in new[] { "GUJARAT", "GUJARAT", "KERALA\u001b[2J" })
            counter.Count("customer", Encoding.UTF8.GetBytes($"{{\"State\":\"{state.Replace("\u001b", "\\u001b")}\",\"ts\":\"{onTime}\"}}"), "test");
        counter.Count("customer", Encoding.UTF8.GetBytes($"{{\"State\":\"GUJARAT\",\"ts\":\"{onTime - 60}\"}}"), "test");
        time.Advance(TimeSpan.FromSeconds(5));
        counter.Count("customer", Encoding.UTF8.GetBytes($"{{\"State\":\"GUJARAT\",\"ts\":\"{onTime + 5}\"}}"), "test");

        var lines = StreamCountsText.Render(counter.Publish()).Split('\n', StringSplitOptions.TrimEntries);

        Assert.That(lines[0], Does.StartWith("bucket 2026-05-01 10:00:00 UTC (+5s) · window 20s"));
        Assert.That(Cells(lines, "customer"), Is.EqualTo(new[] { "4", "1×", "4", "1×", "5" }), "the closed bucket: 4 records, 1 late; the current one is not shown yet");
        Assert.That(Cells(lines, "customer · GUJARAT"), Is.EqualTo(new[] { "3", "1×", "3", "1×", "4" }));
        Assert.That(Cells(lines, "customer · KERALA\\u001b[2J"), Is.EqualTo(new[] { "1", "0", "1", "0", "1" }), "control characters are shown, not sent");
    }

    private static string[] Cells(string[] lines, string stream) =>
        lines.Single(l => l.StartsWith(stream + "  ", StringComparison.Ordinal))[stream.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
