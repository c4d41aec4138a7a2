using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using TopUpSpark.Core.Kafka;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Core.Tests;

/// <summary>The job's sinks trust ProduceAndWait to return only once Kafka holds every message.</summary>
public class ProducerDeliveryTests
{
    private static List<(string, Message<string, byte[]>)> Messages(string topic, int count) =>
        Enumerable.Range(0, count).Select(i => (topic, new Message<string, byte[]> { Key = $"k{i}", Value = [(byte)i] })).ToList();

    private static KafkaOutage Outage(string bootstrap, TimeSpan limit) => new(bootstrap, limit, NullLogger.Instance);

    [Test]
    public void Returns_once_every_message_is_in_the_topic()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: ["acked"], partitions: 3);
        var settings = new KafkaSettings(cluster.BootstrapServers);
        using (var producer = new ProducerBuilder<string, byte[]>(settings.FlushingProducer("test")).Build())
            producer.ProduceAndWait(Messages("acked", 50), Outage(cluster.BootstrapServers, Waits.HangBound), "test");

        using var consumer = new ConsumerBuilder<string, byte[]>(settings.Consumer("test", "g-" + Guid.NewGuid())).Build();
        var watermarks = Enumerable.Range(0, 3).Select(p => consumer.QueryWatermarkOffsets(new TopicPartition("acked", p), Waits.HangBound));
        Assert.That(watermarks.Sum(w => w.High.Value - w.Low.Value), Is.EqualTo(50));
    }

    [Test]
    public void A_message_kafka_refuses_fails_the_call_with_the_reason()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: ["refused"], partitions: 1);
        var settings = new KafkaSettings(cluster.BootstrapServers);
        using var producer = new ProducerBuilder<string, byte[]>(settings.FlushingProducer("test")).Build();
        producer.ProduceAndWait(Messages("refused", 1), Outage(cluster.BootstrapServers, Waits.HangBound), "test"); // connected, with a producer id
        // One failure per message: without linger, the three may go in one produce request or in three.
        cluster.FailNextProduceRequests(ErrorCode.TopicAuthorizationFailed, count: 3);

        var error = Assert.Throws<KafkaDeliveryException>(() => producer.ProduceAndWait(Messages("refused", 3), Outage(cluster.BootstrapServers, Waits.HangBound), "test"));
        Assert.That(error!.Message, Does.Contain("3 of 3 message(s) were refused").And.Contain("refused:"));
        Assert.That(error.Code, Is.EqualTo(ErrorCode.TopicAuthorizationFailed));
    }

    [Test]
    public void Messages_not_acknowledged_within_the_outage_limit_fail_the_call_naming_the_broker()
    {
        // Nothing listens on port 1: the messages can never be delivered.
        var settings = new KafkaSettings("127.0.0.1:1");
        using var producer = new ProducerBuilder<string, byte[]>(settings.FlushingProducer("test")).Build();

        var error = Assert.Throws<KafkaOutageException>(() => producer.ProduceAndWait(Messages("nowhere", 2), Outage("127.0.0.1:1", TimeSpan.FromSeconds(1)), "publishing"));
        Assert.That(error!.Message, Does.Contain("Kafka at 127.0.0.1:1 did not answer").And.Contain("while publishing").And.Contain("2 of 2 message(s) not yet acknowledged"));
    }
}
