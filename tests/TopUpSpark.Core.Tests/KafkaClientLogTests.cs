using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using TopUpSpark.Core.Kafka;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Core.Tests;

/// <summary>What a user reads when Kafka cannot be reached: one line now and then naming the broker, not librdkafka's flood.</summary>
public class KafkaClientLogTests
{
    private const string Bootstrap = "kafka-1.example:9092";

    private static (KafkaClientLog Producer, KafkaClientLog Consumer, CollectingLoggerProvider Log, FakeTimeProvider Clock) Clients()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero));
        var log = new CollectingLoggerProvider();
        var pace = new KafkaClientLog.Pace(clock);
        return (new KafkaClientLog(log.CreateLogger("producer"), "app-publisher", Bootstrap, pace),
                new KafkaClientLog(log.CreateLogger("source"), "app-customer", Bootstrap, pace), log, clock);
    }

    private static List<string> Warnings(CollectingLoggerProvider log) =>
        log.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();

    [Test]
    public void Connection_failures_of_all_clients_give_one_line_per_interval_naming_the_broker_and_what_to_check()
    {
        var (producer, consumer, log, clock) = Clients();

        // librdkafka's retries while nothing listens: a FAIL line and an error per attempt, from every client.
        for (var second = 0; second < 30; second++)
        {
            producer.Log(3, "FAIL", $"{Bootstrap}/bootstrap: Connect to ipv4#10.0.0.7:9092 failed: Connection refused (after 0ms in state CONNECT)");
            consumer.Error(new Error(ErrorCode.Local_AllBrokersDown, "1/1 brokers are down"));
            producer.Error(new Error(ErrorCode.Local_Transport, $"{Bootstrap}/bootstrap: Connect failed: Connection refused"));
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        var warnings = Warnings(log);
        Assert.That(warnings, Has.Count.EqualTo(3), string.Join('\n', warnings));
        Assert.That(warnings[0], Does.StartWith($"Kafka at {Bootstrap} (app-publisher): {Bootstrap}/bootstrap: Connect to ipv4#10.0.0.7:9092 failed: Connection refused")
            .And.Contain("is it running and reachable from here, and are --bootstrap-servers and the security settings right?")
            .And.Not.Contain("more such"));
        Assert.That(warnings[1], Does.EndWith("(29 more such message(s) since the last one)"));
        Assert.That(warnings[2], Does.EndWith("(29 more such message(s) since the last one)"));
    }

    [Test]
    public void Fatal_errors_are_always_logged_and_informational_lines_go_to_debug()
    {
        var (producer, consumer, log, _) = Clients();

        consumer.Error(new Error(ErrorCode.Local_AllBrokersDown, "1/1 brokers are down"));
        producer.Error(new Error(ErrorCode.Local_Fatal, "idempotent producer lost its sequence", isFatal: true));
        producer.Log(7, "FETCH", "Fetch topic customer [0] at offset 42");
        consumer.Log(4, "METADATA", "Topic foo not found");

        Assert.That(log.Entries.Single(e => e.Level == LogLevel.Error).Message,
            Is.EqualTo($"Kafka at {Bootstrap} (app-publisher): fatal error Local_Fatal: idempotent producer lost its sequence"));
        Assert.That(log.Entries.Single(e => e.Level == LogLevel.Debug).Message, Is.EqualTo("librdkafka app-publisher FETCH: Fetch topic customer [0] at offset 42"));
        Assert.That(Warnings(log), Has.Count.EqualTo(1), "the metadata warning came within the interval of the first");
    }

    [Test]
    public void A_warning_that_is_not_about_the_connection_carries_no_connection_hint()
    {
        var (_, consumer, log, _) = Clients();

        consumer.Log(4, "METADATA", "Topic foo not found");

        Assert.That(Warnings(log).Single(), Is.EqualTo($"Kafka at {Bootstrap} (app-customer): Topic foo not found"));
    }
}
