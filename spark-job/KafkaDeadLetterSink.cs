using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Messages;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Sinks;

namespace TopUpSpark.Job;

/// <summary>
/// Sends each rejected input message to <c>&lt;topic&gt;.dlq</c>: the original key and value bytes, with the
/// reason, the origin (topic, partition, offset) and the batch (<see cref="BatchPart"/>) in headers, so a
/// reader can drop the repeats a replayed batch sends. One bad message must never stop the query, so every
/// part of a letter is bounded to fit what the broker takes: the reason is already short
/// (<see cref="DeadLetter.MaxReasonLength"/>), a key or value that does not fit is cut and marked with its
/// original length — the whole original stays in the source topic at the offset the headers name. A letter
/// the broker still refuses as too large is sent again without key and value. The first few reasons of
/// each batch are also logged.
/// </summary>
public sealed class KafkaDeadLetterSink : IDeadLetterSink, IDisposable
{
    /// <summary>librdkafka's default <c>message.max.bytes</c>, below a real Kafka's default limit (1,048,588).</summary>
    public const int DefaultMaxLetterBytes = 1_000_000;

    // Room for headers and the record's own framing.
    private const int HeaderAllowance = 8 * 1024;
    private const int MaxKeyBytes = 64 * 1024;
    private const int LettersLoggedPerBatch = 5;

    private readonly IProducer<byte[]?, byte[]> _producer;
    private readonly int _maxLetterBytes;
    private readonly KafkaOutage _outage;
    private readonly ILogger _log;

    /// <param name="maxLetterBytes">The most a letter may weigh: what the broker takes (<c>message.max.bytes</c>) and no more than the input limit.</param>
    public KafkaDeadLetterSink(ProducerConfig config, int maxLetterBytes, KafkaOutage outage, KafkaClientLog log)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLetterBytes, 1);
        _producer = new ProducerBuilder<byte[]?, byte[]>(config).LogTo(log).Build();
        _maxLetterBytes = maxLetterBytes;
        _outage = outage;
        _log = log.Logger;
    }

    public long Sent { get; private set; }

    public void Send(BatchPart batch, IReadOnlyCollection<DeadLetter> letters)
    {
        foreach (var letter in letters.Take(LettersLoggedPerBatch))
            _log.LogWarning("dead letter from {Topic}[{Partition}]@{Offset} (key {Key}): {Reason}",
                letter.SourceTopic, letter.Partition, letter.Offset, letter.DescribeKey(), letter.Reason);
        if (letters.Count > LettersLoggedPerBatch)
            _log.LogWarning("… and {More} more dead letter(s) in batch {Batch}", letters.Count - LettersLoggedPerBatch, batch.BatchId);
        var messages = letters.Select(letter => (Topics.DeadLetter(letter.SourceTopic), ToMessage(batch, letter, _maxLetterBytes))).ToList();
        var refused = _producer.ProduceAll(messages, _outage, $"sending batch {batch.BatchId}'s dead letters");
        var tooLarge = refused.Where(r => r.Error.Code is ErrorCode.MsgSizeTooLarge).ToList();
        if (tooLarge.Count > 0)
        {
            // The broker takes less than message.max.bytes says: headers alone still fit.
            _log.LogWarning("{Count} dead letter(s) of batch {Batch} were too large for the broker ({Reason}); sending them without key and value",
                tooLarge.Count, batch.BatchId, tooLarge[0].Error.Reason);
            var resent = tooLarge.Select(r => messages[r.Index]).Select(m => (m.Item1, WithoutPayload(m.Item2))).ToList();
            _producer.ProduceAndWait(resent, _outage, $"sending batch {batch.BatchId}'s dead letters without payload");
        }
        var otherwise = refused.Except(tooLarge).ToList();
        if (otherwise.Count > 0)
            throw new KafkaDeliveryException(
                $"{otherwise.Count} of {messages.Count} dead letter(s) were refused ({otherwise[0].Topic}: {otherwise[0].Error.Reason})", otherwise[0].Error.Code);
        Sent += letters.Count;
    }

    /// <summary>The Kafka message of a letter, key and value cut so that the whole fits <paramref name="maxLetterBytes"/>.</summary>
    public static Message<byte[]?, byte[]> ToMessage(BatchPart batch, DeadLetter letter, int maxLetterBytes)
    {
        var headers = batch.ToHeaders();
        headers.Add(DeadLetterHeaders.Reason, Encoding.UTF8.GetBytes(letter.Reason));
        headers.Add(DeadLetterHeaders.SourceTopic, Encoding.UTF8.GetBytes(letter.SourceTopic));
        headers.Add(DeadLetterHeaders.SourcePartition, Number(letter.Partition));
        headers.Add(DeadLetterHeaders.SourceOffset, Number(letter.Offset));
        var room = Math.Max(0, maxLetterBytes - HeaderAllowance);
        var key = Cut(letter.Key, Math.Min(MaxKeyBytes, room), DeadLetterHeaders.KeyTruncatedFromBytes, headers);
        var value = Cut(letter.Value, room - (key?.Length ?? 0), DeadLetterHeaders.ValueTruncatedFromBytes, headers)!;
        return new Message<byte[]?, byte[]> { Key = key, Value = value, Headers = headers };
    }

    private static byte[]? Cut(byte[]? bytes, int limit, string header, Headers headers)
    {
        if (bytes is null || bytes.Length <= limit) return bytes;
        headers.Add(header, Number(bytes.Length));
        return bytes[..Math.Max(0, limit)];
    }

    private static Message<byte[]?, byte[]> WithoutPayload(Message<byte[]?, byte[]> message)
    {
        var headers = new Headers();
        foreach (var header in message.Headers) headers.Add(header.Key, header.GetValueBytes());
        // A part cut before already names its original length.
        if (message.Key is { Length: > 0 } && !message.Headers.TryGetLastBytes(DeadLetterHeaders.KeyTruncatedFromBytes, out _))
            headers.Add(DeadLetterHeaders.KeyTruncatedFromBytes, Number(message.Key.Length));
        if (message.Value.Length > 0 && !message.Headers.TryGetLastBytes(DeadLetterHeaders.ValueTruncatedFromBytes, out _))
            headers.Add(DeadLetterHeaders.ValueTruncatedFromBytes, Number(message.Value.Length));
        return new Message<byte[]?, byte[]> { Key = null, Value = [], Headers = headers };
    }

    private static byte[] Number(long value) => Encoding.UTF8.GetBytes(value.ToString(CultureInfo.InvariantCulture));

    public void Dispose() => _producer.Dispose();
}
