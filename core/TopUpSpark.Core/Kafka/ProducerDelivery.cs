using System.Collections.Concurrent;
using Confluent.Kafka;

namespace TopUpSpark.Core.Kafka;

/// <summary>Sending a burst of messages and waiting until Kafka has acknowledged every one of them.</summary>
public static class ProducerDelivery
{
    /// <summary>A message Kafka did not take: its position in the burst and Kafka's error.</summary>
    public readonly record struct Refusal(int Index, string Topic, Error Error);

    /// <summary>
    /// Produces the messages and waits for each one's delivery report, for as long as <paramref name="outage"/>
    /// allows while Kafka does not answer (each acknowledgement restarts that wait). Returns the messages Kafka
    /// refused; an empty list means Kafka holds every one. Unlike <c>Flush</c>, the wait ends with the last
    /// acknowledgement rather than on librdkafka's 10 ms polling step. The reports arrive on the producer's
    /// own poll thread, so the wait does not need a free thread-pool thread (<c>ProduceAsync</c>'s tasks do).
    /// </summary>
    /// <exception cref="KafkaOutageException">Kafka acknowledged nothing for longer than the outage limit.</exception>
    public static IReadOnlyList<Refusal> ProduceAll<TKey, TValue>(this IProducer<TKey, TValue> producer,
        IReadOnlyList<(string Topic, Message<TKey, TValue> Message)> messages, KafkaOutage outage, string operation)
    {
        var unacknowledged = messages.Count + 1; // + 1 until every message is produced
        var allAcknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refused = new ConcurrentBag<Refusal>();
        void Acknowledged()
        {
            if (Interlocked.Decrement(ref unacknowledged) == 0) allAcknowledged.TrySetResult();
        }
        for (var i = 0; i < messages.Count; i++)
        {
            var (topic, message) = messages[i];
            var index = i;
            try
            {
                producer.Produce(topic, message, report =>
                {
                    if (report.Error.IsError) refused.Add(new Refusal(index, report.Topic, report.Error));
                    Acknowledged();
                });
            }
            catch (ProduceException<TKey, TValue> e)
            {
                // Refused before it was sent (too large for message.max.bytes, a topic the producer knows is not allowed, …).
                refused.Add(new Refusal(index, topic, e.Error));
                Acknowledged();
            }
        }
        Acknowledged();
        var wait = outage.Begin(operation);
        var lastCount = Volatile.Read(ref unacknowledged);
        while (!allAcknowledged.Task.Wait(PollStep))
        {
            var count = Volatile.Read(ref unacknowledged);
            if (count < lastCount) wait.Progressed();
            else wait.Check($"{count} of {messages.Count} message(s) not yet acknowledged");
            lastCount = count;
        }
        wait.Done();
        return refused.OrderBy(r => r.Index).ToList();
    }

    private static readonly TimeSpan PollStep = TimeSpan.FromMilliseconds(500);

    /// <summary><see cref="ProduceAll"/>, failing when Kafka refused any message.</summary>
    /// <exception cref="KafkaDeliveryException">a message was refused.</exception>
    /// <exception cref="KafkaOutageException">Kafka acknowledged nothing for longer than the outage limit.</exception>
    public static void ProduceAndWait<TKey, TValue>(this IProducer<TKey, TValue> producer,
        IReadOnlyList<(string Topic, Message<TKey, TValue> Message)> messages, KafkaOutage outage, string operation)
    {
        var refused = producer.ProduceAll(messages, outage, operation);
        if (refused.Count > 0)
            throw new KafkaDeliveryException(
                $"{refused.Count} of {messages.Count} message(s) were refused ({refused[0].Topic}: {refused[0].Error.Reason})", refused[0].Error.Code);
    }
}

/// <summary>Messages that Kafka did not take; <see cref="Code"/> is the first refusal's error.</summary>
public sealed class KafkaDeliveryException(string message, ErrorCode code) : Exception(message)
{
    public ErrorCode Code { get; } = code;
}
