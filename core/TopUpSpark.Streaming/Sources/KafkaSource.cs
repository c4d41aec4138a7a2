using System.Collections.Immutable;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Kafka;

namespace TopUpSpark.Streaming.Sources;

/// <summary>
/// One Kafka topic as a replayable source. Offsets live in the query's checkpoint, never in a consumer
/// group, so a batch can be re-read exactly. New partitions are picked up at their earliest offset.
/// A jump in offsets (retention, or the embedded broker's per-partition cap) is data loss: it fails
/// the query unless <c>failOnDataLoss</c> is off, in which case it is counted and logged.
/// </summary>
public sealed class KafkaSource : IStreamSource
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(30);

    private readonly string _topic;
    private readonly StartingOffsets _starting;
    private readonly ILogger _log;
    private readonly KafkaBatchConsumer _consumer;
    private readonly IAdminClient _admin;
    private readonly OffsetGapDetector _gaps;
    private readonly Dictionary<int, long> _consumerNext = new();
    private bool _metadataLoaded;

    public KafkaSource(KafkaSettings settings, string topic, StartingOffsets starting, bool failOnDataLoss,
        string clientId, ILogger logger)
    {
        _topic = topic;
        _starting = starting;
        _log = logger;
        var config = settings.Consumer(clientId, $"{clientId}-{topic}-source");
        // A micro-batch waits for its last records, so the broker should answer fetches promptly.
        config.FetchWaitMaxMs ??= 20;
        // Partitions are read from queues of their own, where this caps each one's prefetch. Small, because
        // a fetch response stays in memory until every partition in it has been read: 256 KiB per partition
        // cost about 40 MiB more at peak in a full replay, for no speed that could be measured.
        config.QueuedMaxMessagesKbytes ??= PrefetchBytesPerPartition / 1024;
        config.MaxPartitionFetchBytes ??= PrefetchBytesPerPartition;
        // While a batch is processed nobody reads the queue, so it fills up; librdkafka then holds off
        // fetching for fetch.queue.backoff.ms (1 s by default), which the next batch would wait out.
        config.FetchQueueBackoffMs ??= 5;
        // librdkafka's batch API, not IConsumer.Consume: one object per message would cost more than the whole engine.
        _consumer = new KafkaBatchConsumer(config, reason => _log.LogWarning("Kafka source {Topic}: {Reason}", topic, reason), logger);
        // Offsets are listed on connections of their own: on the consumer's they would queue behind its long-poll fetches.
        _admin = new AdminClientBuilder(settings.Admin($"{clientId}-{topic}-offsets")).Build();
        _gaps = new OffsetGapDetector(failOnDataLoss);
        _gaps.DataLost += loss => _log.LogError("{Message}", loss.Message);
    }

    public string Description => $"KafkaV2[Subscribe[{_topic}]]";
    public long LostRecords => _gaps.LostMessages;

    public SourceOffsets InitialOffsets()
    {
        var partitions = Partitions();
        return new SourceOffsets(ListOffsets(partitions, _starting == StartingOffsets.Earliest ? OffsetSpec.Earliest() : OffsetSpec.Latest()));
    }

    public SourceOffsets LatestOffsets(SourceOffsets from, long? maxRecords, SourceOffsets? upTo = null)
    {
        // An available-now run shares out against its fixed end, as Spark's Kafka source does.
        var partitions = upTo?.Next.Keys.ToList() ?? Partitions();
        var high = upTo?.Next ?? ListOffsets(partitions, OffsetSpec.Latest());
        var unseen = partitions.Where(p => !from.Next.ContainsKey(p)).ToList();
        var low = unseen.Count > 0 ? ListOffsets(unseen, OffsetSpec.Earliest()) : ImmutableSortedDictionary<int, long>.Empty;
        var available = new SortedDictionary<int, (long Start, long High)>();
        foreach (var partition in partitions)
        {
            var start = from.Next.TryGetValue(partition, out var s) ? s : low[partition];
            available[partition] = (start, Math.Max(start, high[partition]));
        }
        var total = available.Values.Sum(a => a.High - a.Start);
        var builder = ImmutableSortedDictionary.CreateBuilder<int, long>();
        if (maxRecords is not { } limit || total <= limit)
        {
            foreach (var (partition, a) in available) builder[partition] = a.High;
            return new SourceOffsets(builder.ToImmutable());
        }
        // Like Spark's maxOffsetsPerTrigger: each partition gets its share of the limit, proportional to its backlog.
        var remaining = limit;
        foreach (var (partition, a) in available)
        {
            var share = (long)Math.Floor((double)(a.High - a.Start) * limit / total);
            builder[partition] = a.Start + share;
            remaining -= share;
        }
        foreach (var (partition, a) in available)
        {
            if (remaining == 0) break;
            if (builder[partition] < a.High) { builder[partition]++; remaining--; }
        }
        return new SourceOffsets(builder.ToImmutable());
    }

    public SourceRecords Read(SourceOffsets from, SourceOffsets to, CancellationToken cancel)
    {
        PositionAt(from, to);
        var records = new SourceRecords((int)Math.Min(from.CountUntil(to), 1_000_000));
        var pending = to.Next.Where(p => Next(p.Key, from) < p.Value).Select(p => p.Key).ToList();

        void Take(in ConsumedMessage message)
        {
            var partition = message.Partition;
            if (message.Error != ErrorCode.NoError)
            {
                if (partition >= 0)
                    throw new InvalidOperationException($"Kafka source {_topic}: partition {partition}: {message.ErrorReason}");
                _log.LogWarning("Kafka source {Topic}: {Reason}", _topic, message.ErrorReason);
                return;
            }
            // The end of a partition tells where the consumer stands, which may be past offsets that carry
            // no message (transaction markers): the batch needs nothing more from it.
            if (message.IsPartitionEof)
            {
                if (message.Offset > Next(partition, from)) _consumerNext[partition] = message.Offset;
                return;
            }
            _gaps.Observe(TopicPartitionOf(partition), message.Offset);
            // A message past the end only comes when offsets skip (compaction, transaction markers); it is
            // left out, and the next batch, finding the consumer past its start, re-assigns and reads it again.
            if (message.Offset < to[partition]) records.Add(partition, message.Offset, message.Timestamp, message.Key, message.HasKey, message.Value, message.HasValue);
            _consumerNext[partition] = message.Offset + 1;
        }

        // Each partition is read from its own queue, exactly up to the batch's end: what librdkafka fetched
        // beyond it stays there, bounded per partition, for the next batch.
        var lastProgress = DateTime.UtcNow;
        while (pending.Count > 0)
        {
            cancel.ThrowIfCancellationRequested();
            var progressed = false;
            foreach (var partition in pending)
            {
                var missing = to[partition] - Next(partition, from);
                if (missing > 0) progressed |= _consumer.ConsumeBatch(_topic, partition, TimeSpan.Zero, Take, (int)Math.Min(missing, MaxMessagesPerCall)) > 0;
            }
            // Client-wide errors arrive on the consumer's own queue.
            _consumer.ConsumeBatch(TimeSpan.Zero, Take);
            pending.RemoveAll(p => Next(p, from) >= to[p]);
            if (progressed)
            {
                lastProgress = DateTime.UtcNow;
                continue;
            }
            if (pending.Count == 0) break;
            if (DateTime.UtcNow - lastProgress > StallTimeout)
                throw new InvalidOperationException(
                    $"Kafka source {_topic}: partitions [{string.Join(", ", pending)}] did not deliver offsets up to {to} within {StallTimeout.TotalSeconds:F0} s; " +
                    "the broker no longer has data the batch was planned with (was it restarted?)");
            // Nothing fetched yet: wait on one pending partition for its first message (or briefly).
            _consumer.ConsumeBatch(_topic, pending[0], FetchWait, Take, 1);
        }
        records.SortByPartitionAndOffset();
        return records;
    }

    private const int MaxMessagesPerCall = 4096;
    private const int PrefetchBytesPerPartition = 64 * 1024;
    private static readonly TimeSpan FetchWait = TimeSpan.FromMilliseconds(5);
    private readonly Dictionary<int, TopicPartition> _topicPartitions = new();

    private TopicPartition TopicPartitionOf(int partition)
    {
        if (!_topicPartitions.TryGetValue(partition, out var tp)) _topicPartitions[partition] = tp = new TopicPartition(_topic, partition);
        return tp;
    }

    public void Prepare(SourceOffsets from) => PositionAt(from, from);

    private long Next(int partition, SourceOffsets from) => _consumerNext.GetValueOrDefault(partition, from[partition]);

    /// <summary>
    /// Continues from where the previous batch stopped when possible; otherwise (first batch, replay
    /// after a restart, new partitions) re-assigns the consumer exactly at <paramref name="from"/>.
    /// </summary>
    private void PositionAt(SourceOffsets from, SourceOffsets to)
    {
        var continuous = to.Next.Keys.All(p => _consumerNext.TryGetValue(p, out var next) && next == from[p]);
        if (continuous) return;
        _consumerNext.Clear();
        var assignment = to.Next.Keys.Select(p => new TopicPartitionOffset(_topic, p, from[p])).ToList();
        foreach (var tpo in assignment)
        {
            _gaps.Expect(tpo.TopicPartition, tpo.Offset.Value);
            _consumerNext[tpo.Partition.Value] = tpo.Offset.Value;
        }
        if (!_metadataLoaded)
        {
            try
            {
                _consumer.LoadTopicMetadata(_topic, MetadataTimeout);
                _metadataLoaded = true;
            }
            catch (KafkaException e)
            {
                // Only the first fetch's start depends on it; a broker that cannot answer fails the read itself.
                _log.LogDebug("Kafka source {Topic}: metadata not loaded ahead of the assignment: {Reason}", _topic, e.Error.Reason);
            }
        }
        _consumer.AssignWithPartitionQueues(assignment);
    }

    /// <summary>One ListOffsets request for all partitions (a request per partition is far slower under load).</summary>
    private ImmutableSortedDictionary<int, long> ListOffsets(IReadOnlyList<int> partitions, OffsetSpec spec)
    {
        var request = partitions.Select(p => new TopicPartitionOffsetSpec { TopicPartition = new TopicPartition(_topic, p), OffsetSpec = spec });
        var result = _admin.ListOffsetsAsync(request, new ListOffsetsOptions { RequestTimeout = MetadataTimeout }).GetAwaiter().GetResult();
        return result.ResultInfos.ToImmutableSortedDictionary(
            r => r.TopicPartitionOffsetError.Partition.Value,
            r => r.TopicPartitionOffsetError.Error.IsError
                ? throw new InvalidOperationException($"Kafka topic '{_topic}' partition {r.TopicPartitionOffsetError.Partition.Value}: {r.TopicPartitionOffsetError.Error.Reason}")
                : r.TopicPartitionOffsetError.Offset.Value);
    }

    private IReadOnlyList<int> Partitions()
    {
        var metadata = _admin.GetMetadata(_topic, MetadataTimeout);
        var topic = metadata.Topics.SingleOrDefault(t => t.Topic == _topic);
        if (topic is null || topic.Error.IsError || topic.Partitions.Count == 0)
            throw new InvalidOperationException(
                $"Kafka topic '{_topic}' is not available on {string.Join(",", metadata.Brokers.Select(b => $"{b.Host}:{b.Port}"))}: {topic?.Error.Reason ?? "unknown topic"}");
        return topic.Partitions.Select(p => p.PartitionId).Order().ToList();
    }

    public void Dispose()
    {
        _admin.Dispose();
        _consumer.Dispose();
    }
}
