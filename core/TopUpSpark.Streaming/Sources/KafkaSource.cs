using System.Collections.Immutable;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Kafka;

namespace TopUpSpark.Streaming.Sources;

/// <summary>
/// One Kafka topic as a replayable source. Offsets live in the query's checkpoint, never in a consumer
/// group, so a batch can be re-read exactly. New partitions are picked up at their earliest offset.
/// Offsets that jump (retention, or the embedded broker's per-partition cap) or go back (a re-created
/// topic, a replaced broker) are data loss, found both when a batch is planned and when it is read: it
/// fails the query unless <c>failOnDataLoss</c> is off, in which case it is counted and logged and the
/// partition goes on from the broker's latest offset, as Spark's Kafka source does. While the broker does
/// not answer, every call waits as long as <see cref="KafkaOutage"/> allows, saying so now and then.
/// </summary>
public sealed class KafkaSource : IStreamSource
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);

    private readonly string _topic;
    private readonly StartingOffsets _starting;
    private readonly KafkaOutage _outage;
    private readonly ILogger _log;
    private readonly KafkaBatchConsumer _consumer;
    private readonly IAdminClient _admin;
    private readonly OffsetGapDetector _gaps;
    private readonly Dictionary<int, long> _consumerNext = new();
    private bool _metadataLoaded;

    public KafkaSource(KafkaSettings settings, string topic, StartingOffsets starting, bool failOnDataLoss,
        string clientId, KafkaOutage outage, ILogger logger)
    {
        _topic = topic;
        _starting = starting;
        _outage = outage;
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
        // While the broker is away librdkafka reports the same error on every retry; the outage wait reports it instead.
        _consumer = new KafkaBatchConsumer(config, reason => _log.LogDebug("Kafka source {Topic}: {Reason}", topic, reason),
            settings.ClientLog(logger, $"{clientId}-{topic}"));
        // Offsets are listed on connections of their own: on the consumer's they would queue behind its long-poll fetches.
        _admin = new AdminClientBuilder(settings.Admin($"{clientId}-{topic}-offsets")).LogTo(settings.ClientLog(logger, $"{clientId}-{topic}-offsets")).Build();
        _gaps = new OffsetGapDetector(failOnDataLoss,
            "The query stops rather than go on without these messages; to go on from the broker's offsets instead, counting and logging such losses, run with --fail-on-data-loss false (Spark's failOnDataLoss)");
        _gaps.DataLost += loss => _log.LogError("{Message}", loss.Message);
    }

    public string Description => $"KafkaV2[Subscribe[{_topic}]]";
    public long LostRecords => _gaps.LostMessages;

    /// <summary>The Kafka cluster id; for the embedded broker, with the id of its incarnation (see <see cref="EmbeddedKafkaCluster.IncarnationTopicPrefix"/>).</summary>
    public string? ClusterId()
    {
        var cluster = _outage.Retry($"asking for the cluster id of {_topic}'s brokers",
            () => _consumer.ClusterId(MetadataTimeout) ?? throw new KafkaException(ErrorCode.Local_TimedOut));
        var incarnation = _outage.Retry($"listing the topics of {_topic}'s brokers", () => _admin.GetMetadata(MetadataTimeout)).Topics
            .Select(t => t.Topic).FirstOrDefault(t => t.StartsWith(EmbeddedKafkaCluster.IncarnationTopicPrefix, StringComparison.Ordinal));
        return incarnation is null ? cluster : $"{cluster}/{incarnation[EmbeddedKafkaCluster.IncarnationTopicPrefix.Length..]}";
    }

    public SourceOffsets InitialOffsets(IReadOnlyCollection<int> partitions) =>
        new(ListOffsets(partitions.ToList(), _starting == StartingOffsets.Earliest ? OffsetSpec.Earliest() : OffsetSpec.Latest()));

    public SourceOffsets EndOffsets(IReadOnlyCollection<int> partitions) => new(ListOffsets(partitions.ToList(), OffsetSpec.Latest()));

    public SourceOffsets LatestOffsets(SourceOffsets from, long? maxRecords, SourceOffsets? upTo = null)
    {
        var partitions = from.Next.Keys.ToList();
        var available = new SortedDictionary<int, (long Start, long High)>();
        if (upTo is not null)
        {
            // An available-now run shares out against its fixed end, as Spark's Kafka source does. A task that
            // another instance, started later, already took further has nothing left here — unless the broker's
            // own offsets are behind it too: then they went back.
            var past = from.Next.Where(p => upTo[p.Key] < p.Value).Select(p => p.Key).ToList();
            var brokerHigh = past.Count > 0 ? ListOffsets(past, OffsetSpec.Latest()) : ImmutableSortedDictionary<int, long>.Empty;
            foreach (var (partition, start) in from.Next)
                available[partition] = brokerHigh.TryGetValue(partition, out var h) && h < start ? WentBack(partition, start, h) : (start, Math.Max(start, upTo[partition]));
            return ShareOut(available, maxRecords);
        }
        var current = Partitions();
        ReportVanishedPartitions(from, current);
        var high = ListOffsets(partitions.Where(current.Contains).ToList(), OffsetSpec.Latest());
        foreach (var (partition, start) in from.Next)
        {
            if (!high.ContainsKey(partition))
            {
                available[partition] = (start, start);
                continue;
            }
            available[partition] = high[partition] < start ? WentBack(partition, start, high[partition]) : (start, high[partition]);
        }
        return ShareOut(available, maxRecords);
    }

    /// <summary>Spark leaves a partition whose offsets went back out of the batch and goes on from the broker's latest offset.</summary>
    private (long Start, long High) WentBack(int partition, long start, long high)
    {
        var earliest = ListOffsets([partition], OffsetSpec.Earliest())[partition];
        _gaps.Report(DataLossException.WentBack(TopicPartitionOf(partition), start, high, high - earliest,
            _gaps.FailOnDataLoss ? null : $"going on from offset {high}; the {high - earliest} message(s) the partition holds now are not read"));
        return (high, high);
    }

    private static SourceOffsets ShareOut(SortedDictionary<int, (long Start, long High)> available, long? maxRecords)
    {
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

    /// <summary>Partitions the query read that the broker no longer has (Spark: "… are gone. Some data may have been missed").</summary>
    private void ReportVanishedPartitions(SourceOffsets from, IReadOnlyList<int> partitions)
    {
        foreach (var (partition, offset) in from.Next.Where(p => !partitions.Contains(p.Key)).ToList())
            _gaps.Report(DataLossException.WentBack(TopicPartitionOf(partition), offset, 0, 0, "the partition is gone"));
    }

    public SourceRecords Read(SourceOffsets from, SourceOffsets to, CancellationToken cancel)
    {
        var end = PositionAt(from, to);
        var records = new SourceRecords((int)Math.Min(from.CountUntil(end), 1_000_000));
        var pending = end.Next.Where(p => Next(p.Key, from) < p.Value).Select(p => p.Key).ToList();
        var abandoned = new HashSet<int>();

        string? lastError = null;

        void Take(in ConsumedMessage message)
        {
            var partition = message.Partition;
            if (message.Error != ErrorCode.NoError)
            {
                // Transport errors, leader changes, offset resets: the read keeps waiting for its offsets, and the
                // outage wait reports the error and ends the wait if it lasts. Lost offsets are found by Observe.
                lastError = partition >= 0 ? $"partition {partition}: {message.ErrorReason}" : message.ErrorReason;
                _log.LogDebug("Kafka source {Topic}: {Reason}", _topic, lastError);
                return;
            }
            // The end of a partition tells where the consumer stands, which may be past offsets that carry
            // no message (transaction markers): the batch needs nothing more from it.
            if (message.IsPartitionEof)
            {
                if (message.Offset > Next(partition, from)) _consumerNext[partition] = message.Offset;
                return;
            }
            if (!_gaps.Observe(TopicPartitionOf(partition), message.Offset))
            {
                // The partition's log was replaced while the batch read it: what it delivers now is not what
                // the batch was planned with. The rest of its range is lost; the next batch starts over.
                abandoned.Add(partition);
                return;
            }
            // A message past the end only comes when offsets skip (compaction, transaction markers); it is
            // left out, and the next batch, finding the consumer past its start, re-assigns and reads it again.
            if (message.Offset < end[partition]) records.Add(partition, message.Offset, message.Timestamp, message.Key, message.HasKey, message.Value, message.HasValue);
            _consumerNext[partition] = message.Offset + 1;
        }

        // Each partition is read from its own queue, exactly up to the batch's end: what librdkafka fetched
        // beyond it stays there, bounded per partition, for the next batch.
        var wait = _outage.Begin($"reading {_topic}[{string.Join(", ", pending)}] up to offsets {end}");
        while (pending.Count > 0)
        {
            cancel.ThrowIfCancellationRequested();
            var progressed = false;
            foreach (var partition in pending)
            {
                var missing = end[partition] - Next(partition, from);
                if (missing > 0) progressed |= _consumer.ConsumeBatch(_topic, partition, TimeSpan.Zero, Take, (int)Math.Min(missing, MaxMessagesPerCall)) > 0;
            }
            // Client-wide errors arrive on the consumer's own queue.
            _consumer.ConsumeBatch(TimeSpan.Zero, Take);
            pending.RemoveAll(p => abandoned.Contains(p) || Next(p, from) >= end[p]);
            if (progressed)
            {
                wait.Progressed();
                continue;
            }
            if (pending.Count == 0) break;
            wait.Check(lastError);
            // Nothing fetched yet: wait on one pending partition for its first message (or briefly).
            _consumer.ConsumeBatch(_topic, pending[0], FetchWait, Take, 1);
        }
        wait.Done();
        // Re-assigned at the next batch's start, wherever the consumer now stands.
        if (abandoned.Count > 0) _consumerNext.Clear();
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
    /// after a restart, new partitions) re-assigns the consumer exactly at <paramref name="from"/>, after
    /// checking that the broker still has the offsets up to <paramref name="to"/>. Returns where the read
    /// ends per partition: <paramref name="to"/>, or, where the broker's offsets went back and data loss is
    /// tolerated, the start (that partition's range is lost).
    /// </summary>
    private SourceOffsets PositionAt(SourceOffsets from, SourceOffsets to)
    {
        var continuous = _consumerNext.Count == to.Next.Count && to.Next.Keys.All(p => _consumerNext.TryGetValue(p, out var next) && next == from[p]);
        if (continuous) return to;
        var end = CheckStillAvailable(from, to);
        _consumerNext.Clear();
        var assignment = end.Next.Keys.Select(p => new TopicPartitionOffset(_topic, p, from[p])).ToList();
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
        return end;
    }

    /// <summary>
    /// A range planned earlier — by a run before a restart — may no longer exist: the broker's latest offset
    /// is before its end when the topic was re-created or the broker replaced since.
    /// </summary>
    private SourceOffsets CheckStillAvailable(SourceOffsets from, SourceOffsets to)
    {
        if (to.Next.Count == 0) return to;
        var high = ListOffsets(to.Next.Keys.ToList(), OffsetSpec.Latest());
        var end = to.Next.ToBuilder();
        foreach (var (partition, planned) in to.Next)
        {
            var needed = Math.Max(planned, from[partition]);
            if (high[partition] >= needed) continue;
            // Where the query merely stands there, planning the next batch finds and reports it, knowing what follows.
            if (planned <= from[partition]) continue;
            _gaps.Report(DataLossException.WentBack(TopicPartitionOf(partition), needed, high[partition], planned - from[partition],
                $"the offsets {from[partition]} to {planned} a batch was planned with before a restart are not read"));
            end[partition] = from[partition];
        }
        return new SourceOffsets(end.ToImmutable());
    }

    /// <summary>One ListOffsets request for all partitions (a request per partition is far slower under load).</summary>
    private ImmutableSortedDictionary<int, long> ListOffsets(IReadOnlyList<int> partitions, OffsetSpec spec)
    {
        var request = partitions.Select(p => new TopicPartitionOffsetSpec { TopicPartition = new TopicPartition(_topic, p), OffsetSpec = spec }).ToList();
        var result = _outage.Retry($"listing the offsets of {_topic}",
            () => _admin.ListOffsetsAsync(request, new ListOffsetsOptions { RequestTimeout = MetadataTimeout }).GetAwaiter().GetResult());
        return result.ResultInfos.ToImmutableSortedDictionary(
            r => r.TopicPartitionOffsetError.Partition.Value,
            r => r.TopicPartitionOffsetError.Error.IsError
                ? throw new InvalidOperationException($"Kafka topic '{_topic}' partition {r.TopicPartitionOffsetError.Partition.Value}: {r.TopicPartitionOffsetError.Error.Reason}")
                : r.TopicPartitionOffsetError.Offset.Value);
    }

    public IReadOnlyList<int> Partitions()
    {
        var metadata = _outage.Retry($"asking for the partitions of {_topic}", () => _admin.GetMetadata(_topic, MetadataTimeout));
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
