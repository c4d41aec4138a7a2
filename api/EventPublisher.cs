using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Messages;

namespace TopUpSpark.Api;

/// <summary>Where Kafka put one event: what a 202 reports for each.</summary>
public sealed record AcceptedEvent(string Id, string Topic, int Partition, long Offset);

/// <summary>Kafka did not acknowledge every event of a request in time (or refused one): the request is answered 503.</summary>
public sealed class KafkaUnavailableException(string message) : Exception(message);

/// <summary>
/// The API's Kafka side: the project's idempotent producer (acks=all, the producer's murmur2 key partitioner, so
/// a customer's events land in the same partition number as the producer's), with a short linger — each request
/// waits for its own acknowledgement, and concurrent requests share Kafka requests — and with a delivery
/// timeout after which an event counts as not taken. A producer that failed for good (librdkafka's fatal
/// errors, e.g. the idempotence sequence lost) is replaced, so one outage does not end ingestion.
/// </summary>
public sealed class EventPublisher : IDisposable
{
    private readonly KafkaSettings _kafka;
    private readonly ProducerConfig _config;
    private readonly ILogger _log;
    private readonly TimeSpan _deliveryTimeout;
    private volatile IProducer<string, byte[]> _producer;
    private int _replacing;

    public EventPublisher(KafkaSettings kafka, TimeSpan deliveryTimeout, ILogger log)
    {
        _kafka = kafka;
        _log = log;
        _deliveryTimeout = deliveryTimeout;
        _config = kafka.FlushingProducer("topup-api");
        // Concurrent requests' events wait up to 1 ms to share one Kafka request. Each request waits for its own
        // acknowledgement, so the linger is latency every request pays: with ab -k -c 32 single events (api-ingest),
        // 1 ms gave 13,900 req/s, 2 ms 8,900, 5 ms 4,300, 0.5 ms 12,600 and none 10,900 (a request each costs more CPU).
        if (!kafka.PassThrough.ContainsKey("linger.ms") && !kafka.PassThrough.ContainsKey("queue.buffering.max.ms"))
            _config.LingerMs = 1;
        if (!kafka.PassThrough.ContainsKey("message.timeout.ms") && !kafka.PassThrough.ContainsKey("delivery.timeout.ms"))
            _config.MessageTimeoutMs = (int)deliveryTimeout.TotalMilliseconds;
        // Only the partition and offset of a report are read: copying keys and values back would cost throughput.
        if (!kafka.PassThrough.ContainsKey("dotnet.producer.delivery.report.fields"))
            _config.Set("dotnet.producer.delivery.report.fields", "none");
        _producer = Build();
    }

    public string BootstrapServers => _kafka.BootstrapServers;

    private IProducer<string, byte[]> Build()
    {
        try
        {
            var clientLog = _kafka.ClientLog(_log, "topup-api");
            return new ProducerBuilder<string, byte[]>(_config)
                .SetLogHandler((_, message) => clientLog.Log(message))
                .SetErrorHandler((producer, error) =>
                {
                    clientLog.Error(error);
                    if (error.IsFatal) Replace(producer);
                })
                .Build();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new KafkaSettingsException($"the Kafka producer settings are not valid: {e.Message}");
        }
    }

    private void Replace(IProducer<string, byte[]> failed)
    {
        if (!ReferenceEquals(failed, _producer) || Interlocked.Exchange(ref _replacing, 1) == 1) return;
        _log.LogWarning("the Kafka producer failed for good; starting a new one (events not acknowledged were answered 503)");
        _producer = Build();
        Interlocked.Exchange(ref _replacing, 0);
        // Its requests in flight fail on their own within the delivery timeout; then it can go.
        _ = Task.Delay(_deliveryTimeout + TimeSpan.FromSeconds(1)).ContinueWith(_ => failed.Dispose(), TaskScheduler.Default);
    }

    /// <summary>Sends every event and returns once Kafka acknowledged all of them, in their order; throws <see cref="KafkaUnavailableException"/> otherwise.</summary>
    public async Task<AcceptedEvent[]> PublishAsync(string topic, IReadOnlyList<InputEvent> events)
    {
        var producer = _producer;
        var deliveries = new Task<DeliveryResult<string, byte[]>>[events.Count];
        try
        {
            for (var i = 0; i < events.Count; i++)
                deliveries[i] = producer.ProduceAsync(topic, new Message<string, byte[]> { Key = events[i].Key, Value = events[i].Value });
            await Task.WhenAll(deliveries);
        }
        catch (Exception e) when (e is KafkaException or ObjectDisposedException)
        {
            var reason = e is KafkaException kafka ? kafka.Error.Reason : "the producer was replaced";
            var acknowledged = deliveries.Count(d => d is { IsCompletedSuccessfully: true });
            throw new KafkaUnavailableException(
                $"Kafka at {_kafka.BootstrapServers} did not acknowledge {events.Count - acknowledged} of {events.Count} event(s) within {_deliveryTimeout.TotalSeconds:0.#} s ({reason}); send them again");
        }
        var accepted = new AcceptedEvent[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var result = deliveries[i].Result;
            accepted[i] = new AcceptedEvent(events[i].Key, topic, result.Partition.Value, result.Offset.Value);
        }
        return accepted;
    }

    public void Dispose()
    {
        _producer.Flush(_deliveryTimeout);
        _producer.Dispose();
    }
}
