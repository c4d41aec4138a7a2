using System.Collections.Concurrent;
using Confluent.Kafka;

namespace TopUpSpark.Core.Kafka;

/// <summary>Sending a burst of messages and waiting until Kafka has acknowledged every one of them.</summary>
public static class ProducerDelivery
{
    /// <summary>
    /// Produces the messages and waits for each one's delivery report. Unlike <c>Flush</c>, a message Kafka
    /// refused fails the call instead of passing silently, and the wait ends with the last acknowledgement
    /// rather than on librdkafka's 10 ms polling step. The reports arrive on the producer's own poll thread,
    /// so the wait does not need a free thread-pool thread (<c>ProduceAsync</c>'s tasks do).
    /// </summary>
    /// <exception cref="KafkaDeliveryException">a message was refused, or not acknowledged within <paramref name="timeout"/>.</exception>
    public static void ProduceAndWait<TKey, TValue>(this IProducer<TKey, TValue> producer,
        IEnumerable<(string Topic, Message<TKey, TValue> Message)> messages, TimeSpan timeout)
    {
        var unacknowledged = 1; // until every message is produced
        var sent = 0;
        var allAcknowledged = new TaskCompletionSource();
        var refused = new ConcurrentQueue<(string Topic, string Reason)>();
        void Acknowledged()
        {
            if (Interlocked.Decrement(ref unacknowledged) == 0) allAcknowledged.TrySetResult();
        }
        foreach (var (topic, message) in messages)
        {
            sent++;
            Interlocked.Increment(ref unacknowledged);
            try
            {
                producer.Produce(topic, message, report =>
                {
                    if (report.Error.IsError) refused.Enqueue((report.Topic, report.Error.Reason));
                    Acknowledged();
                });
            }
            catch (ProduceException<TKey, TValue> e)
            {
                // Refused before it was sent (e.g. the producer already knows the topic is not allowed).
                refused.Enqueue((topic, e.Error.Reason));
                Acknowledged();
            }
        }
        Acknowledged();
        if (!allAcknowledged.Task.Wait(timeout))
            throw new KafkaDeliveryException($"{Volatile.Read(ref unacknowledged)} of {sent} message(s) were not acknowledged within {timeout.TotalSeconds:0.#} s");
        if (refused.TryPeek(out var first))
            throw new KafkaDeliveryException($"{refused.Count} of {sent} message(s) were refused ({first.Topic}: {first.Reason})");
    }
}

/// <summary>Messages that Kafka did not take.</summary>
public sealed class KafkaDeliveryException(string message) : Exception(message);
