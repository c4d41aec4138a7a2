using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Kafka;

namespace TopUpSpark.Analytics.Kafka;

/// <summary>A partition's offsets now: <see cref="Low"/> is the oldest message the broker still keeps, <see cref="High"/> the next to be written.</summary>
public readonly record struct PartitionOffsets(int Partition, long Low, long High)
{
    /// <summary>Offsets kept; the number of messages unless the topic is compacted or holds transaction markers.</summary>
    public long Messages => High - Low;
}

public sealed record TopicOffsets(string Topic, IReadOnlyList<PartitionOffsets> Partitions)
{
    public long Messages => Partitions.Sum(p => p.Messages);
}

/// <summary>Which messages of each partition to read: the first or the last <c>Limit</c> (null: all) of those there now.</summary>
public sealed record ReadRange(bool FromBeginning, long? Limit)
{
    public static readonly ReadRange Everything = new(FromBeginning: true, Limit: null);

    public (long Start, long End) Of(PartitionOffsets offsets) => (FromBeginning, Limit) switch
    {
        (_, null) => (offsets.Low, offsets.High),
        (true, { } n) => (offsets.Low, Math.Min(offsets.High, offsets.Low + n)),
        (false, { } n) => (Math.Max(offsets.Low, offsets.High - n), offsets.High),
    };
}

/// <summary>
/// Reads what a topic holds now, without joining a consumer group or committing anything: partitions are
/// assigned directly and each is read up to the offset that was its end when reading began, so a bounded
/// read ends even while a job keeps writing. Waits for a Kafka that does not answer up to the
/// <see cref="KafkaOutage"/> limit, then fails naming the broker; librdkafka's own log goes to <paramref name="log"/>.
/// </summary>
public sealed class KafkaTopicReader(KafkaSettings settings, KafkaOutage outage, ILogger log) : IDisposable
{
    // One request never waits longer than the whole wait may last.
    private TimeSpan RequestTimeout => TimeSpan.FromSeconds(Math.Min(5, outage.Limit.TotalSeconds));

    // A group id only because librdkafka's consumer wants one: nothing joins the group or commits to it.
    private readonly IConsumer<byte[]?, byte[]> _consumer = new ConsumerBuilder<byte[]?, byte[]>(
            settings.Consumer("topup-sql", "topup-sql-" + Guid.NewGuid().ToString("N")))
        .LogTo(settings.ClientLog(log, "topup-sql"))
        .Build();

    public string BootstrapServers => settings.BootstrapServers;

    /// <summary>Every topic but Kafka's internal ones (<c>__consumer_offsets</c>, …), by name.</summary>
    public IReadOnlyList<string> TopicNames()
    {
        using var admin = new DependentAdminClientBuilder(_consumer.Handle).Build();
        var metadata = outage.Retry($"listing the topics of {settings.BootstrapServers}", () => admin.GetMetadata(RequestTimeout));
        return metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError && !t.Topic.StartsWith("__", StringComparison.Ordinal))
            .Select(t => t.Topic).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The topic's partitions and their offsets; null when the topic does not exist.</summary>
    public TopicOffsets? Offsets(string topic)
    {
        using var admin = new DependentAdminClientBuilder(_consumer.Handle).Build();
        // All topics' metadata, not the topic's own: asking for one topic by name may create it on a broker that auto-creates topics.
        var metadata = outage.Retry($"asking for the partitions of {topic}", () => admin.GetMetadata(RequestTimeout));
        var found = metadata.Topics.FirstOrDefault(t => t.Topic == topic && t.Error.Code == ErrorCode.NoError);
        if (found is null) return null;
        var partitions = found.Partitions.Select(p => p.PartitionId).Order().Select(p =>
        {
            var watermarks = outage.Retry($"asking for the offsets of {topic}[{p}]",
                () => _consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), RequestTimeout));
            return new PartitionOffsets(p, watermarks.Low.Value, watermarks.High.Value);
        }).ToList();
        return new TopicOffsets(topic, partitions);
    }

    /// <summary>The topic's offsets, or an error naming the topics there are.</summary>
    public TopicOffsets RequireOffsets(string topic) =>
        Offsets(topic) ?? throw new KafkaTopicNotFoundException(
            $"topic '{topic}' does not exist on {settings.BootstrapServers} (topics there: {string.Join(", ", TopicNames().DefaultIfEmpty("none"))})");

    /// <summary>The messages of <paramref name="range"/> in each partition, in partition then offset order.</summary>
    public IEnumerable<ConsumeResult<byte[]?, byte[]>> Read(TopicOffsets topic, ReadRange range)
    {
        foreach (var partition in topic.Partitions)
        {
            var (start, end) = range.Of(partition);
            if (start >= end) continue;
            foreach (var message in ReadPartition(new TopicPartition(topic.Topic, partition.Partition), start, end))
                yield return message;
        }
    }

    private IEnumerable<ConsumeResult<byte[]?, byte[]>> ReadPartition(TopicPartition partition, long start, long end)
    {
        _consumer.Assign(new TopicPartitionOffset(partition, new Offset(start)));
        try
        {
            var wait = outage.Begin($"reading {partition.Topic}[{partition.Partition.Value}] offsets {start} to {end - 1}");
            while (true)
            {
                var result = _consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result is null)
                {
                    wait.Check();
                    continue;
                }
                wait.Progressed();
                // The end of the partition: messages the broker dropped meanwhile (retention) shorten the range.
                if (result.IsPartitionEOF) yield break;
                if (result.Offset.Value >= end) yield break;
                yield return result;
                if (result.Offset.Value >= end - 1) yield break;
            }
        }
        finally
        {
            _consumer.Unassign();
        }
    }

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
    }
}

public sealed class KafkaTopicNotFoundException(string message) : Exception(message);
