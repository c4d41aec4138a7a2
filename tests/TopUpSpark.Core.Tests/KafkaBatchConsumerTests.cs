using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using TopUpSpark.Core.Kafka;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Core.Tests;

public class KafkaBatchConsumerTests
{
    private const string Topic = "t";
    private static readonly DateTime BaseTime = new(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);

    private sealed record Received(int Partition, long Offset, string? Key, string? Value, DateTimeOffset Timestamp);

    [Test]
    public void A_consumer_that_loaded_the_topic_metadata_knows_the_topic_when_assigned_so_its_fetch_need_not_wait_for_a_topic_scan()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: [Topic], partitions: 3);
        var settings = new KafkaSettings(cluster.BootstrapServers);
        Produce(settings, messagesPerPartition: 1, partitions: 3, valueSize: 10);
        var config = settings.Consumer("test", "g-" + Guid.NewGuid());
        config.Debug = "topic";
        var log = new ListLogger();
        using var consumer = new KafkaBatchConsumer(config, log: settings.ClientLog(log, "test"));

        consumer.LoadTopicMetadata(Topic, Waits.HangBound);
        // librdkafka fetches assigned partitions of a topic it knows at once; of one it does not know, only
        // once its scan for unknown topics (once a second) has asked about it. Its log tells which case this
        // is, whatever the machine's speed: a bound on the first message's wait also failed on a busy machine.
        var knownBeforeTheAssignment = log.Lines.Any(l => l.Contains($"Topic {Topic} changed state unknown -> exists", StringComparison.Ordinal));
        consumer.AssignWithPartitionQueues([new TopicPartitionOffset(Topic, 0, 0)]);
        var received = 0;
        ConsumeUntil(() => received > 0, timeout => consumer.ConsumeBatch(Topic, 0, timeout, (in ConsumedMessage m) => { if (!m.IsPartitionEof) received++; }));

        Assert.That(knownBeforeTheAssignment, Is.True, "the topic's metadata was loaded before the assignment");
    }

    [Test]
    public void Reads_exactly_the_produced_messages_from_the_assigned_offsets_then_one_end_per_partition()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: [Topic], partitions: 3);
        var settings = new KafkaSettings(cluster.BootstrapServers);
        var produced = new List<Received>();
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(settings.Producer("test")).Build())
        {
            for (var partition = 0; partition < 3; partition++)
            for (var offset = 0; offset < 5; offset++)
            {
                string? key = (partition, offset) == (0, 1) ? null : $"k{partition}-{offset}";
                string? value = (partition, offset) switch { (1, 3) => "", (2, 4) => null, _ => $"value {partition}/{offset}" };
                var timestamp = BaseTime.AddSeconds(partition * 10 + offset).AddMilliseconds(offset);
                producer.Produce(new TopicPartition(Topic, partition), new Message<byte[]?, byte[]?>
                {
                    Key = key is null ? null : Encoding.UTF8.GetBytes(key),
                    Value = value is null ? null : Encoding.UTF8.GetBytes(value),
                    Timestamp = new Timestamp(timestamp, TimestampType.CreateTime),
                });
                produced.Add(new Received(partition, offset, key, value, timestamp));
            }
            Assert.That(producer.Flush(Waits.HangBound), Is.Zero);
        }

        using var consumer = new KafkaBatchConsumer(settings.Consumer("test", "g-" + Guid.NewGuid()));
        consumer.Assign([new TopicPartitionOffset(Topic, 0, 0), new TopicPartitionOffset(Topic, 1, 2), new TopicPartitionOffset(Topic, 2, Offset.Beginning)]);
        var received = new List<Received>();
        var ends = new List<(int Partition, long Offset)>();
        ConsumedMessageHandler handler = (in ConsumedMessage m) =>
        {
            Assert.That(m.Error, Is.EqualTo(ErrorCode.NoError), m.ErrorReason);
            if (m.IsPartitionEof) ends.Add((m.Partition, m.Offset));
            else received.Add(new Received(m.Partition, m.Offset,
                m.HasKey ? Encoding.UTF8.GetString(m.Key) : null, m.HasValue ? Encoding.UTF8.GetString(m.Value) : null, m.Timestamp));
        };
        ConsumeUntil(consumer, handler, () => ends.Count >= 3);
        // Nothing may follow the ends: no duplicates, no second end.
        consumer.ConsumeBatch(TimeSpan.FromMilliseconds(300), handler);

        var expected = produced.Where(m => m.Partition != 1 || m.Offset >= 2).ToList();
        for (var partition = 0; partition < 3; partition++)
            Assert.That(received.Where(m => m.Partition == partition), Is.EqualTo(expected.Where(m => m.Partition == partition)),
                $"partition {partition}, in order");
        Assert.That(ends, Is.EquivalentTo(new[] { (0, 5L), (1, 5L), (2, 5L) }));
        Assert.That(received.Single(m => m.Key is null).Offset, Is.EqualTo(1), "the null key stays null");
        Assert.That(received.Single(m => m is { Partition: 1, Offset: 3 }).Value, Is.EqualTo(""), "the empty value stays empty, not null");
    }

    [Test]
    public void A_partition_read_from_its_own_queue_gives_exactly_the_messages_asked_for_and_keeps_the_rest()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: [Topic], partitions: 3);
        var settings = new KafkaSettings(cluster.BootstrapServers);
        Produce(settings, messagesPerPartition: 6, partitions: 3, valueSize: 10);
        using var consumer = new KafkaBatchConsumer(settings.Consumer("test", "g-" + Guid.NewGuid()));
        consumer.AssignWithPartitionQueues(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(Topic, p, 1)));
        var messages = new List<(int Partition, long Offset)>();
        ConsumedMessageHandler handler = (in ConsumedMessage m) =>
        {
            if (!m.IsPartitionEof && m.Error == ErrorCode.NoError) messages.Add((m.Partition, m.Offset));
        };

        ConsumeUntil(() => messages.Count >= 2, timeout => consumer.ConsumeBatch(Topic, 1, timeout, handler, maxMessages: 2 - messages.Count));
        Assert.That(messages, Is.EqualTo(new[] { (1, 1L), (1, 2L) }), "only partition 1, from the assigned offset, only as many as asked");
        Assert.That(consumer.ConsumeBatch(TimeSpan.FromMilliseconds(300), handler), Is.Zero, "nothing reaches the shared queue");

        messages.Clear();
        ConsumeUntil(() => messages.Count >= 3, timeout => consumer.ConsumeBatch(Topic, 1, timeout, handler));
        Assert.That(messages, Is.EqualTo(new[] { (1, 3L), (1, 4L), (1, 5L) }), "the rest waited in the partition's queue");
        Assert.That(() => consumer.ConsumeBatch("other", 0, TimeSpan.Zero, handler), Throws.InvalidOperationException);
    }

    [Test]
    public void A_batch_returns_what_has_arrived_instead_of_waiting_out_its_timeout()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: [Topic], partitions: 3);
        var settings = new KafkaSettings(cluster.BootstrapServers);
        Produce(settings, messagesPerPartition: 5, partitions: 1, valueSize: 10);
        using var consumer = new KafkaBatchConsumer(settings.Consumer("test", "g-" + Guid.NewGuid()));
        consumer.Assign([new TopicPartitionOffset(Topic, 0, 0)]);

        // Far fewer messages than the batch holds: librdkafka alone would wait the full ten minutes for more.
        var batch = Task.Run(() => consumer.ConsumeBatch(TimeSpan.FromMinutes(10), (in ConsumedMessage _) => { }));

        Assert.That(batch.Wait(Waits.HangBound), Is.True, "returned once messages were there");
        Assert.That(batch.Result, Is.InRange(1, 6));
    }

    [Test]
    public void Disposing_from_another_thread_ends_a_consume_that_waits_without_limit()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: [Topic], partitions: 3);
        var settings = new KafkaSettings(cluster.BootstrapServers);
        var consumer = new KafkaBatchConsumer(settings.Consumer("test", "g-" + Guid.NewGuid()));
        var waiting = Task.Run(() => consumer.ConsumeBatch(Timeout.InfiniteTimeSpan, (in ConsumedMessage _) => { }));
        Thread.Sleep(300); // most likely inside librdkafka's wait by now; either order must end

        var disposing = Task.Run(consumer.Dispose);

        Assert.That(disposing.Wait(Waits.HangBound), Is.True, "Dispose finished");
        Assert.That(((IAsyncResult)waiting).AsyncWaitHandle.WaitOne(Waits.HangBound), Is.True, "the waiting consume ended");
        Assert.That(waiting.IsCompletedSuccessfully || waiting.Exception?.InnerException is ObjectDisposedException, Is.True, waiting.Exception?.ToString());
    }

    [TestCase("fetch.wait.max.ms", "soon")]
    [TestCase("no.such.setting", "1")]
    public void A_setting_librdkafka_rejects_fails_the_constructor_naming_it(string key, string value)
    {
        var config = new KafkaSettings("127.0.0.1:1").Consumer("test", "g");
        config.Set(key, value);
        var error = Assert.Throws<KafkaSettingsException>(() => new KafkaBatchConsumer(config).Dispose());
        Assert.That(error!.Message, Does.Contain($"'{key}'"));
    }

    [Test]
    public void Consuming_allocates_nothing_per_message()
    {
        const int messageCount = 10_000;
        using var cluster = EmbeddedKafkaCluster.Start(topics: [Topic], partitions: 3);
        var settings = new KafkaSettings(cluster.BootstrapServers);
        Produce(settings, messagesPerPartition: messageCount / 3 + 1, partitions: 3, valueSize: 100);
        using var consumer = new KafkaBatchConsumer(settings.Consumer("test", "g-" + Guid.NewGuid()));
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(Topic, p, 0)));
        var tally = new Tally();
        ConsumedMessageHandler handler = tally.Observe;
        // The first message goes through every path once (JIT, native binding) before anything is measured.
        ConsumeUntil(consumer, (in ConsumedMessage m) => tally.Observe(m), () => tally.Messages > 0, maxMessages: 1);
        var before = tally.Messages;

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var deadline = DateTime.UtcNow + Waits.HangBound;
        while (tally.Ends < 3 && DateTime.UtcNow < deadline)
            consumer.ConsumeBatch(TimeSpan.FromSeconds(1), handler);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        var measured = tally.Messages - before;
        Assert.That(measured, Is.GreaterThan(messageCount - 10), "the messages were all read");
        Assert.That(tally.ValueBytes, Is.EqualTo(100L * tally.Messages));
        Assert.That((double)allocated / measured, Is.LessThan(64), $"{allocated} bytes allocated for {measured} messages");
    }

    private sealed class Tally
    {
        public long Messages;
        public long Ends;
        public long ValueBytes;

        public void Observe(in ConsumedMessage message)
        {
            if (message.IsPartitionEof) { Ends++; return; }
            if (message.Error != ErrorCode.NoError || message.Timestamp == DateTimeOffset.UnixEpoch || message.Key.IsEmpty) return;
            Messages++;
            ValueBytes += message.Value.Length;
        }
    }

    [Test]
    public void An_error_of_a_partition_arrives_as_a_message_of_that_partition()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: [Topic], partitions: 3);
        var settings = new KafkaSettings(cluster.BootstrapServers);
        Produce(settings, messagesPerPartition: 2, partitions: 3, valueSize: 10);
        var config = settings.Consumer("test", "g-" + Guid.NewGuid());
        config.AutoOffsetReset = AutoOffsetReset.Error;
        using var consumer = new KafkaBatchConsumer(config);
        consumer.Assign([new TopicPartitionOffset(Topic, 2, 100)]);
        (int Partition, ErrorCode Error, string? Reason)? failure = null;
        ConsumeUntil(consumer, (in ConsumedMessage m) =>
        {
            if (m.Error != ErrorCode.NoError) failure = (m.Partition, m.Error, m.ErrorReason);
        }, () => failure is not null);

        Assert.That(failure!.Value.Partition, Is.EqualTo(2));
        Assert.That(failure.Value.Error, Is.EqualTo(ErrorCode.Local_AutoOffsetReset));
        Assert.That(failure.Value.Reason, Does.Contain("out of range").IgnoreCase);
    }

    [Test]
    public void Client_errors_reach_the_error_handler_and_librdkafkas_log_the_logger()
    {
        // Nothing listens on port 1: connecting fails, which librdkafka reports as a client error and logs.
        var errors = new List<string>();
        var logger = new ListLogger();
        var settings = new KafkaSettings("127.0.0.1:1");
        using var consumer = new KafkaBatchConsumer(settings.Consumer("test", "g"), reason => { lock (errors) errors.Add(reason); }, settings.ClientLog(logger, "test"));
        var deadline = DateTime.UtcNow + Waits.HangBound;
        while (DateTime.UtcNow < deadline && (Count(errors) == 0 || logger.Count == 0))
            consumer.ConsumeBatch(TimeSpan.FromMilliseconds(200), (in ConsumedMessage _) => { });

        Assert.That(Count(errors), Is.GreaterThan(0), "error handler called");
        lock (errors) Assert.That(errors, Has.Some.Contains("127.0.0.1:1"));
        Assert.That(logger.Count, Is.GreaterThan(0), "librdkafka's log went to the logger");
        static int Count(List<string> list) { lock (list) return list.Count; }
    }

    [Test]
    public void Disposing_twice_is_harmless_and_a_disposed_consumer_refuses_work()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: [Topic], partitions: 3);
        var settings = new KafkaSettings(cluster.BootstrapServers);
        var consumer = new KafkaBatchConsumer(settings.Consumer("test", "g-" + Guid.NewGuid()));
        consumer.Assign([new TopicPartitionOffset(Topic, 0, 0)]);
        consumer.ConsumeBatch(TimeSpan.FromMilliseconds(100), (in ConsumedMessage _) => { });

        consumer.Dispose();
        Assert.DoesNotThrow(consumer.Dispose);
        Assert.Throws<ObjectDisposedException>(() => consumer.ConsumeBatch(TimeSpan.Zero, (in ConsumedMessage _) => { }));
    }

    private static void Produce(KafkaSettings settings, int messagesPerPartition, int partitions, int valueSize)
    {
        using var producer = new ProducerBuilder<string, byte[]>(settings.Producer("test")).Build();
        var value = new byte[valueSize];
        for (var partition = 0; partition < partitions; partition++)
        for (var i = 0; i < messagesPerPartition; i++)
            producer.Produce(new TopicPartition(Topic, partition), new Message<string, byte[]> { Key = $"k{i}", Value = value, Timestamp = new Timestamp(BaseTime) });
        Assert.That(producer.Flush(Waits.HangBound), Is.Zero);
    }

    private static void ConsumeUntil(KafkaBatchConsumer consumer, ConsumedMessageHandler handler, Func<bool> done, int maxMessages = 4096) =>
        ConsumeUntil(done, timeout => consumer.ConsumeBatch(timeout, handler, maxMessages));

    /// <summary>Calls <paramref name="consumeBatch"/> with a short wait until <paramref name="done"/>; the deadline only bounds a hang.</summary>
    private static void ConsumeUntil(Func<bool> done, Action<TimeSpan> consumeBatch)
    {
        var deadline = DateTime.UtcNow + Waits.HangBound;
        while (!done())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "timed out waiting for messages");
            consumeBatch(TimeSpan.FromMilliseconds(200));
        }
    }

    private sealed class ListLogger : ILogger
    {
        private readonly List<string> _lines = [];

        public int Count
        {
            get { lock (_lines) return _lines.Count; }
        }

        public List<string> Lines
        {
            get { lock (_lines) return [.. _lines]; }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines) _lines.Add(formatter(state, exception));
        }
    }
}
