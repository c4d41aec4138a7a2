using System.Text;
using Confluent.Kafka;
using NUnit.Framework;
using TopUpSpark.Core.Kafka;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Core.Tests;

public class EmbeddedKafkaTests
{
    [Test]
    public void Messages_produced_to_the_embedded_broker_are_read_back_by_a_plain_consumer()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: ["roundtrip"], partitions: 2);
        var settings = new KafkaSettings(cluster.BootstrapServers);
        using (var producer = new ProducerBuilder<string, string>(settings.Producer("test")).Build())
        {
            for (var i = 0; i < 100; i++)
                producer.Produce("roundtrip", new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
            Assert.That(producer.Flush(Waits.HangBound), Is.Zero);
        }
        using var consumer = new ConsumerBuilder<string, string>(settings.Consumer("test", "g-" + Guid.NewGuid())).Build();
        consumer.Assign([new TopicPartitionOffset("roundtrip", 0, 0), new TopicPartitionOffset("roundtrip", 1, 0)]);
        var seen = new Dictionary<string, string>();
        var deadline = DateTime.UtcNow + Waits.HangBound;
        while (seen.Count < 100 && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is { IsPartitionEOF: false, Message: not null }) seen[result.Message.Key] = result.Message.Value;
        }
        Assert.That(seen, Has.Count.EqualTo(100));
        Assert.That(seen["k42"], Is.EqualTo("v42"));
    }

    [Test]
    public async Task A_broker_process_stopped_and_continued_again_and_again_keeps_serving()
    {
        // Ctrl-Z then fg, a debugger, a frozen VM: SIGSTOP/SIGCONT. The runtime's SIGCONT handler used to
        // interrupt the mock cluster's poll(), which librdkafka takes as fatal: the broker stopped listening
        // within a few cycles.
        var work = Directory.CreateTempSubdirectory("topup-broker-stop-").FullName;
        try
        {
            using var broker = await BrokerProcess.StartAsync(work, ["stops"], partitions: 1);
            var settings = new KafkaSettings(broker.BootstrapServers);
            using var producer = new ProducerBuilder<Null, string>(settings.Producer("test")).Build();
            for (var cycle = 0; cycle < 40; cycle++)
            {
                producer.Produce("stops", new Message<Null, string> { Value = $"before continue {cycle}" });
                broker.Freeze();
                await Task.Delay(150);
                broker.Resume();
                await Task.Delay(50);
            }
            producer.Produce("stops", new Message<Null, string> { Value = "after the last continue" });
            Assert.That(producer.Flush(Waits.HangBound), Is.Zero, "every message was acknowledged");

            using var consumer = new ConsumerBuilder<Ignore, string>(settings.Consumer("test", "g-" + Guid.NewGuid())).Build();
            consumer.Assign(new TopicPartitionOffset("stops", 0, 0));
            var values = new List<string>();
            var deadline = DateTime.UtcNow + Waits.HangBound;
            while (values.Count < 41 && DateTime.UtcNow < deadline)
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false, Message: { } message }) values.Add(message.Value);
            Assert.That(values, Has.Count.EqualTo(41));
            Assert.That(values[^1], Is.EqualTo("after the last continue"));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Test]
    public void Reading_past_the_brokers_retention_cap_is_reported_as_data_loss()
    {
        // The mock keeps at most 5 MiB per partition: 8 MiB in one partition pushes the start forward.
        using var cluster = EmbeddedKafkaCluster.Start(topics: ["capped"], partitions: 1);
        var settings = new KafkaSettings(cluster.BootstrapServers, new Dictionary<string, string> { ["compression.type"] = "none" });
        var payload = new byte[100 * 1024];
        Random.Shared.NextBytes(payload);
        using (var producer = new ProducerBuilder<Null, byte[]>(settings.Producer("test")).Build())
        {
            for (var i = 0; i < 80; i++) producer.Produce("capped", new Message<Null, byte[]> { Value = payload });
            Assert.That(producer.Flush(Waits.HangBound), Is.Zero);
        }
        var partition = new TopicPartition("capped", 0);
        var detector = new OffsetGapDetector();
        detector.Expect(partition, 0);
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(settings.Consumer("test", "g-" + Guid.NewGuid())).Build();
        consumer.Assign(new TopicPartitionOffset(partition, 0));
        var deadline = DateTime.UtcNow + Waits.HangBound;
        DataLossException? loss = null;
        while (loss is null && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is not { IsPartitionEOF: false, Message: not null }) continue;
            loss = Assert.Catch<DataLossException>(() => detector.Observe(partition, result.Offset.Value)) as DataLossException;
        }
        Assert.That(loss, Is.Not.Null, "the first message read should have been past a gap");
        Assert.That(loss!.ExpectedOffset, Is.EqualTo(0));
        Assert.That(loss.ActualOffset, Is.GreaterThan(0));
        Assert.That(loss.Message, Does.Contain("data loss on capped[0]").And.Contain("dropped"));
    }

    [Test]
    public void When_not_failing_on_data_loss_the_gap_is_counted_and_reported()
    {
        var partition = new TopicPartition("t", 3);
        var detector = new OffsetGapDetector(failOnDataLoss: false);
        var reports = new List<DataLossException>();
        detector.DataLost += reports.Add;
        detector.Expect(partition, 10);
        detector.Observe(partition, 10);
        detector.Observe(partition, 11);
        detector.Observe(partition, 15);
        Assert.That(detector.LostMessages, Is.EqualTo(3));
        Assert.That(reports.Single().MissingMessages, Is.EqualTo(3));
        Assert.That(detector.TryGetExpected(partition, out var next) && next == 16);
    }

    [Test]
    public void The_bootstrap_announcement_is_found_only_while_its_broker_lives()
    {
        var file = Path.Combine(Path.GetTempPath(), $"announce-{Guid.NewGuid():N}.json");
        try
        {
            BootstrapFile.Write("127.0.0.1:1234", file);
            Assert.That(BootstrapFile.TryRead(file), Is.EqualTo("127.0.0.1:1234"));
            BootstrapFile.Remove(file);
            Assert.That(BootstrapFile.TryRead(file), Is.Null);
            Assert.That(File.Exists(file), Is.False);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void Pass_through_settings_override_defaults_and_bad_ones_are_rejected()
    {
        var settings = new KafkaSettings("h:1", KafkaSettings.ParsePassThrough(["security.protocol=SASL_SSL", "acks = 1"]));
        var producer = settings.Producer("p");
        Assert.That(producer.Get("security.protocol"), Is.EqualTo("SASL_SSL"));
        Assert.That(producer.Get("acks"), Is.EqualTo("1"));
        Assert.That(() => KafkaSettings.ParsePassThrough(["novalue"]), Throws.TypeOf<KafkaSettingsException>().With.Message.Contains("key=value"));
    }
}
