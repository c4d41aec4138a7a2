using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Messages;
using TopUpSpark.Streaming.Progress;

namespace TopUpSpark.Job;

/// <summary>
/// Publishes each batch's health (<see cref="BatchHealthMessage"/>: late rows dropped, dead letters, …) to the
/// progress topic, for the dashboard. The batch loop only hands the message to librdkafka's queue; delivery
/// happens in the background and a failed one is logged, never failing the query: these are figures to
/// watch, the batch's outputs do not depend on them. A replayed batch is published again; readers count it once.
/// </summary>
public sealed class BatchHealthPublisher : IDisposable
{
    private readonly IProducer<string, byte[]> _producer;
    private readonly string _topic;
    private readonly ILogger _log;
    private long _failed;

    public BatchHealthPublisher(ProducerConfig config, string topic, KafkaClientLog log)
    {
        _producer = new ProducerBuilder<string, byte[]>(config).LogTo(log).Build();
        _topic = topic;
        _log = log.Logger;
    }

    public void Publish(QueryProgress batch)
    {
        var message = new BatchHealthMessage(batch.Id, batch.Name, batch.Instance, batch.BatchId, batch.Tasks, batch.Timestamp, batch.NumInputRows,
            batch.LateRowsDropped, batch.DeadLetters, batch.InvalidValues, batch.LostRecords, batch.Watermark());
        try
        {
            _producer.Produce(_topic, new Message<string, byte[]>
            {
                Key = message.Key,
                Value = message.EncodeValue(),
                Headers = new BatchPart(batch.Id, batch.Name, batch.BatchId, batch.Tasks).ToHeaders(),
            }, Delivered);
        }
        catch (ProduceException<string, byte[]> e)
        {
            Failed(batch.BatchId, e.Error.Reason);
        }
    }

    private void Delivered(DeliveryReport<string, byte[]> report)
    {
        if (report.Error.IsError) Failed(report.Message.Headers is { } h && BatchPart.TryRead(h, out _) is { } part ? part.BatchId : -1, report.Error.Reason);
    }

    private void Failed(long batchId, string reason)
    {
        // One line per failure would flood the log during an outage; the first and every hundredth say it.
        var failed = Interlocked.Increment(ref _failed);
        if (failed == 1 || failed % 100 == 0)
            _log.LogWarning("batch {Batch}'s health was not published to {Topic} ({Failed} so far): {Reason}", batchId, _topic, failed, reason);
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
    }
}
