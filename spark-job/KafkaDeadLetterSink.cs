using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Sinks;

namespace TopUpSpark.Job;

/// <summary>
/// Sends each rejected input message to <c>&lt;topic&gt;.dlq</c>: the original key and bytes, with the
/// reason and origin (topic, partition, offset, batch) in headers. Oversized originals are cut to fit
/// a Kafka message and marked as truncated. The first few reasons of each batch are also logged.
/// </summary>
public sealed class KafkaDeadLetterSink(ProducerConfig config, ILogger log) : IDeadLetterSink, IDisposable
{
    private const int MaxValueBytes = 900 * 1024;
    // A batch whose dead letters are not acknowledged in time fails, and sends them again when it is retried.
    private static readonly TimeSpan AcknowledgementTimeout = TimeSpan.FromSeconds(30);
    private readonly IProducer<string?, byte[]> _producer = new ProducerBuilder<string?, byte[]>(config).Build();

    public long Sent { get; private set; }

    public void Send(long batchId, IReadOnlyCollection<DeadLetter> letters)
    {
        foreach (var letter in letters.Take(5))
            log.LogWarning("dead letter from {Topic}[{Partition}]@{Offset}: {Reason}", letter.SourceTopic, letter.Partition, letter.Offset, letter.Reason);
        _producer.ProduceAndWait(letters.Select(letter => (Topics.DeadLetter(letter.SourceTopic), ToMessage(batchId, letter))), AcknowledgementTimeout);
        Sent += letters.Count;
    }

    private static Message<string?, byte[]> ToMessage(long batchId, DeadLetter letter)
    {
        var truncated = letter.Value.Length > MaxValueBytes;
        var headers = new Headers
        {
            { "reason", Encoding.UTF8.GetBytes(letter.Reason) },
            { "source.topic", Encoding.UTF8.GetBytes(letter.SourceTopic) },
            { "source.partition", Encoding.UTF8.GetBytes(letter.Partition.ToString(CultureInfo.InvariantCulture)) },
            { "source.offset", Encoding.UTF8.GetBytes(letter.Offset.ToString(CultureInfo.InvariantCulture)) },
            { "batchId", Encoding.UTF8.GetBytes(batchId.ToString(CultureInfo.InvariantCulture)) },
        };
        if (truncated) headers.Add("truncatedFromBytes", Encoding.UTF8.GetBytes(letter.Value.Length.ToString(CultureInfo.InvariantCulture)));
        return new Message<string?, byte[]> { Key = letter.Key, Value = truncated ? letter.Value[..MaxValueBytes] : letter.Value, Headers = headers };
    }

    public void Dispose() => _producer.Dispose();
}
