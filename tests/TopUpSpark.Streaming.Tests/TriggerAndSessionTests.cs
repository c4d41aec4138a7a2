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
