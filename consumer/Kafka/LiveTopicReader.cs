using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TopUpSpark.Consumer.Dashboard;
using TopUpSpark.Core.Kafka;

namespace TopUpSpark.Consumer.Kafka;

/// <summary>What a <see cref="LiveTopicReader"/> reports about itself, for a page or table to show.</summary>
public interface IReaderStatus
{
    void SetConnection(bool connected);
    void SetPartitions(int assigned, int positioned);
    void SetLag(long? lag);
    void RecordGap(OffsetGap gap);
}

/// <summary>
/// Reads topics (<c>topup-by-state</c> for the map, the input topics for the stream counts) in a consumer
/// group of its own, starting from the latest offsets (a dashboard shows what happens from now on), and
/// hands every message to <c>handle</c> with where it came from (<c>topic[partition]@offset</c>). Reports the
/// connection (from librdkafka's statistics), the lag, and offset gaps: messages the broker dropped
/// before they could be read (Spark's failOnDataLoss=false: counted, logged and shown, not fatal).
/// </summary>
public sealed class LiveTopicReader(
    KafkaSettings settings,
    IReadOnlyList<string> topics,
    string groupId,
    IReaderStatus state,
    Action<ConsumeResult<byte[]?, byte[]>, string> handle,
    ILogger logger,
    TimeProvider time)
{
    private static readonly TimeSpan LagInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RepeatedErrorInterval = TimeSpan.FromSeconds(30);

    private readonly OffsetGapDetector _gaps = new(failOnDataLoss: false);
    private readonly HashSet<TopicPartition> _assigned = [];
    private readonly HashSet<TopicPartition> _positioned = [];
    private readonly Dictionary<string, DateTimeOffset> _reportedErrors = new(StringComparer.Ordinal);

    /// <summary>Runs until cancelled, on a thread of its own (librdkafka's consume call blocks).</summary>
    public Task RunAsync(CancellationToken cancel) =>
        Task.Factory.StartNew(() => Run(cancel), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken cancel)
    {
        var config = settings.Consumer("topup-consumer", groupId, AutoOffsetReset.Latest);
        config.StatisticsIntervalMs ??= 1000;
        _gaps.DataLost += loss =>
        {
            logger.LogWarning("{Message}", loss.Message);
            state.RecordGap(new OffsetGap(time.GetUtcNow(), loss.Partition.Topic, loss.Partition.Partition.Value, loss.ExpectedOffset, loss.ActualOffset, loss.MissingMessages));
        };
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(config)
            // Keys as bytes: the UTF-8 deserializer would quietly replace bad bytes; the processor says they are bad.
            .SetKeyDeserializer(Deserializers.ByteArray)
            .SetValueDeserializer(Deserializers.ByteArray)
            // librdkafka's own log repeats what the error handler reports; it is there for debugging.
            .SetLogHandler((_, message) => logger.LogDebug("librdkafka {Level} {Facility}: {Message}", message.Level, message.Facility, message.Message))
            .SetErrorHandler((_, error) =>
            {
                if (error.IsFatal || error.Code is ErrorCode.Local_AllBrokersDown) state.SetConnection(false);
                if (error.IsFatal || ShouldReport(error.Reason))
                    logger.Log(error.IsFatal ? LogLevel.Error : LogLevel.Warning, "Kafka: {Reason} ({Code})", error.Reason, error.Code);
            })
            .SetStatisticsHandler((_, json) => state.SetConnection(AnyBrokerUp(json)))
            .SetPartitionsAssignedHandler((_, partitions) => Assigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => Unassigned(partitions.Select(p => p.TopicPartition)))
            .SetPartitionsLostHandler((_, partitions) => Unassigned(partitions.Select(p => p.TopicPartition)))
            .Build();
        consumer.Subscribe(topics);
        logger.LogInformation("reading {Topic} from {Bootstrap} in consumer group {Group}, from the latest offsets",
            Topics, settings.BootstrapServers, groupId);
        var lagMeasuredAt = TimeSpan.Zero;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                var result = Consume(consumer);
                if (result is not null) Handle(result);
                if (clock.Elapsed - lagMeasuredAt >= LagInterval)
                {
                    state.SetLag(MeasureLag(consumer));
                    lagMeasuredAt = clock.Elapsed;
                }
            }
        }
        catch (KafkaException e) when (e.Error.IsFatal)
        {
            logger.LogError("stopped reading {Topic}: fatal Kafka error {Reason} ({Code})", Topics, e.Error.Reason, e.Error.Code);
            throw;
        }
        finally
        {
            state.SetConnection(false);
            consumer.Close();
        }
    }

    private string Topics => string.Join(", ", topics);

    /// <summary>
    /// The next message, or null. A topic that does not exist (yet) is said and waited for: librdkafka subscribes to it
    /// once it is created, and the other topics are read meanwhile (the job's progress topic may come later than its counts).
    /// </summary>
    private ConsumeResult<byte[]?, byte[]>? Consume(IConsumer<byte[]?, byte[]> consumer)
    {
        try
        {
            return consumer.Consume(TimeSpan.FromMilliseconds(250));
        }
        catch (ConsumeException e) when (e.Error.Code is ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic && !e.Error.IsFatal)
        {
            if (ShouldReport(e.Error.Reason))
                logger.LogWarning("Kafka: {Reason}: waiting for it to be created, reading the other topics meanwhile", e.Error.Reason);
            return null;
        }
    }

    private void Handle(ConsumeResult<byte[]?, byte[]> result)
    {
        var partition = result.TopicPartition;
        if (result.IsPartitionEOF)
        {
            // Where reading starts (the latest offset at assignment): from here on every offset must arrive.
            if (!_gaps.TryGetExpected(partition, out _)) _gaps.Expect(partition, result.Offset.Value);
            MarkPositioned(partition);
            return;
        }
        _gaps.Observe(partition, result.Offset.Value);
        MarkPositioned(partition);
        handle(result, $"{partition.Topic}[{partition.Partition.Value}]@{result.Offset.Value}");
    }

    /// <summary>A partition this reader had before resumes where it stopped, so a rebalance neither skips nor re-reads.</summary>
    private IEnumerable<TopicPartitionOffset> Assigned(List<TopicPartition> partitions)
    {
        _assigned.UnionWith(partitions);
        PublishPartitions();
        logger.LogInformation("assigned {Partitions}", string.Join(", ", partitions.Select(p => $"{p.Topic}[{p.Partition.Value}]")));
        return partitions.Select(p => _gaps.TryGetExpected(p, out var next)
            ? new TopicPartitionOffset(p, new Offset(next))
            : new TopicPartitionOffset(p, Offset.Unset));
    }

    private void Unassigned(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _assigned.Remove(partition);
            _positioned.Remove(partition);
        }
        PublishPartitions();
    }

    private void MarkPositioned(TopicPartition partition)
    {
        if (_assigned.Contains(partition) && _positioned.Add(partition)) PublishPartitions();
    }

    private void PublishPartitions() => state.SetPartitions(_assigned.Count, _positioned.Count);

    /// <summary>Messages on the broker not yet read, from the high watermarks of the last fetches; null until known.</summary>
    private long? MeasureLag(IConsumer<byte[]?, byte[]> consumer)
    {
        long? lag = null;
        foreach (var partition in _positioned)
        {
            var high = consumer.GetWatermarkOffsets(partition).High;
            var position = consumer.Position(partition);
            if (high == Offset.Unset || position == Offset.Unset) continue;
            lag = (lag ?? 0) + Math.Max(0, high.Value - position.Value);
        }
        return lag;
    }

    /// <summary>librdkafka's statistics list every broker with its state; "UP" means a live connection.</summary>
    private static bool AnyBrokerUp(string statisticsJson)
    {
        using var document = JsonDocument.Parse(statisticsJson);
        if (!document.RootElement.TryGetProperty("brokers", out var brokers)) return false;
        foreach (var broker in brokers.EnumerateObject())
        {
            if (broker.Value.TryGetProperty("nodeid", out var node) && node.GetInt32() >= 0
                && broker.Value.TryGetProperty("state", out var brokerState) && brokerState.GetString() == "UP")
                return true;
        }
        return false;
    }

    /// <summary>
    /// While a broker is unreachable librdkafka reports the same error on every retry, many times a
    /// second: a reason is logged when it is new, and again at most every <see cref="RepeatedErrorInterval"/>.
    /// </summary>
    private bool ShouldReport(string reason)
    {
        var now = time.GetUtcNow();
        if (_reportedErrors.TryGetValue(reason, out var last) && now - last < RepeatedErrorInterval) return false;
        _reportedErrors[reason] = now;
        return true;
    }
}
