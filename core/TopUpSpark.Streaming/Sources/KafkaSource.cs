using System.Collections.Immutable;
using System.Text;
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
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly IAdminClient _admin;
    private readonly OffsetGapDetector _gaps;
    private readonly Dictionary<int, Queue<SourceRecord>> _readAhead = new();
    private readonly Dictionary<int, long> _nextToHandOut = new();

    public KafkaSource(KafkaSettings settings, string topic, StartingOffsets starting, bool failOnDataLoss,
        string clientId, ILogger logger)
    {
        _topic = topic;
        _starting = starting;
        _log = logger;
        var config = settings.Consumer(clientId, $"{clientId}-{topic}-source");
        // A micro-batch waits for its last records, so the broker should answer fetches promptly.
        config.FetchWaitMaxMs ??= 20;
        // Bounded prefetch: a batch's records are held by the engine, not twice over in librdkafka's queue.
        config.QueuedMaxMessagesKbytes ??= 32 * 1024;
        // Few, large fetches: per-partition fetches of librdkafka's default 1 MiB make a backlog slow to read.
        config.MaxPartitionFetchBytes ??= 4 * 1024 * 1024;
        // While a batch is processed nobody reads the queue, so it fills up; librdkafka then holds off
        // fetching for fetch.queue.backoff.ms (1 s by default), which the next batch would wait out.
        config.FetchQueueBackoffMs ??= 5;
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetErrorHandler((_, e) => _log.LogWarning("Kafka source {Topic}: {Reason}", topic, e.Reason))
            .Build();
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

    public SourceOffsets LatestOffsets(SourceOffsets from, long? maxRecords)
    {
        var partitions = Partitions();
        var high = ListOffsets(partitions, OffsetSpec.Latest());
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

    public IReadOnlyList<SourceRecord> Read(SourceOffsets from, SourceOffsets to, CancellationToken cancel)
    {
        PositionAt(from, to);
        var records = new List<SourceRecord>((int)Math.Min(from.CountUntil(to), 1_000_000));
        var pending = new HashSet<int>();
        foreach (var (partition, end) in to.Next)
        {
            var queue = ReadAheadOf(partition);
            while (queue.Count > 0 && queue.Peek().Offset < end)
            {
                var early = queue.Dequeue();
                _readAheadBytes -= early.Value.Length;
                records.Add(early);
                _nextToHandOut[partition] = early.Offset + 1;
            }
            // Read-ahead left over means the consumer is already past this batch's end for the partition.
            if (queue.Count == 0 && Next(partition, from) < end) pending.Add(partition);
        }
        var resume = _paused.Where(pending.Contains).ToList();
        if (resume.Count > 0)
        {
            _consumer.Resume(resume.Select(p => new TopicPartition(_topic, p)));
            _paused.ExceptWith(resume);
        }

        var lastProgress = DateTime.UtcNow;
        while (pending.Count > 0)
        {
            cancel.ThrowIfCancellationRequested();
            var result = _consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null)
            {
                if (DateTime.UtcNow - lastProgress > StallTimeout)
                    throw new InvalidOperationException(
                        $"Kafka source {_topic}: partitions [{string.Join(", ", pending)}] did not deliver offsets up to {to} within {StallTimeout.TotalSeconds:F0} s; " +
                        "the broker no longer has data the batch was planned with (was it restarted?)");
                continue;
            }
            lastProgress = DateTime.UtcNow;
            var partition = result.Partition.Value;
            if (result.IsPartitionEOF)
            {
                if (result.Offset.Value >= to[partition]) pending.Remove(partition);
                continue;
            }
            _gaps.Observe(result.TopicPartition, result.Offset.Value);
            var record = new SourceRecord(
                result.Message.Key is { } key ? Encoding.UTF8.GetString(key) : null,
                result.Message.Value ?? [],
                partition,
                result.Offset.Value,
                result.Message.Timestamp.UtcDateTime);
            if (to.Next.TryGetValue(partition, out var end) && record.Offset < end)
            {
                records.Add(record);
                _nextToHandOut[partition] = record.Offset + 1;
                if (record.Offset + 1 >= end) pending.Remove(partition);
            }
            else
            {
                ReadAheadOf(partition).Enqueue(record);
                pending.Remove(partition);
                _readAheadBytes += record.Value.Length;
                // A partition far ahead of the batch stops fetching until a later batch needs it, so the
                // records read ahead stay bounded while slower partitions catch up.
                if (_readAheadBytes > MaxReadAheadBytes && _paused.Add(partition))
                    _consumer.Pause([new TopicPartition(_topic, partition)]);
            }
        }
        return records;
    }

    private const long MaxReadAheadBytes = 32L * 1024 * 1024;
    private readonly HashSet<int> _paused = [];
    private long _readAheadBytes;

    public void Prepare(SourceOffsets from) => PositionAt(from, from);

    private long Next(int partition, SourceOffsets from) => _nextToHandOut.GetValueOrDefault(partition, from[partition]);

    private Queue<SourceRecord> ReadAheadOf(int partition)
    {
        if (!_readAhead.TryGetValue(partition, out var queue)) _readAhead[partition] = queue = new Queue<SourceRecord>();
        return queue;
    }

    /// <summary>
    /// Continues from where the previous batch stopped when possible; otherwise (first batch, replay
    /// after a restart, new partitions) re-assigns the consumer exactly at <paramref name="from"/>.
    /// </summary>
    private void PositionAt(SourceOffsets from, SourceOffsets to)
    {
        var continuous = to.Next.Keys.All(p => _nextToHandOut.TryGetValue(p, out var next) && next == from[p]);
        if (continuous) return;
        _readAhead.Clear();
        _readAheadBytes = 0;
        _nextToHandOut.Clear();
        _paused.Clear();
        var assignment = to.Next.Keys.Select(p => new TopicPartitionOffset(_topic, p, from[p])).ToList();
        foreach (var tpo in assignment)
        {
            _gaps.Expect(tpo.TopicPartition, tpo.Offset.Value);
            _nextToHandOut[tpo.Partition.Value] = tpo.Offset.Value;
        }
        _consumer.Assign(assignment);
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
        _consumer.Close();
        _consumer.Dispose();
    }
}
