using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using NUnit.Framework;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;

namespace TopUpSpark.Consumer.Tests.Support;

/// <summary>The dashboard's topic on the embedded broker: messages published as the job, or any other producer, would.</summary>
public static class DashboardFeed
{
    private static readonly TimeSpan DeliveryPatience = TimeSpan.FromSeconds(20);

    public static Message<byte[]?, byte[]> Message(string key, string value, Headers? headers = null) =>
        new() { Key = Encoding.UTF8.GetBytes(key), Value = Encoding.UTF8.GetBytes(value), Headers = headers };

    public static void Publish(KafkaSettings settings, params IEnumerable<Message<byte[]?, byte[]>> messages) =>
        PublishTo(settings, Topics.TopUpByState, messages);

    public static void PublishTo(KafkaSettings settings, string topic, IEnumerable<Message<byte[]?, byte[]>> messages)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]>(settings.Producer("dashboard-test")).Build();
        foreach (var message in messages)
            producer.Produce(topic, message);
        Assert.That(producer.Flush(DeliveryPatience), Is.Zero, "message not delivered to the embedded broker");
    }

    /// <summary>The consumer reads from the latest offsets: publish only once it knows where the latest is.</summary>
    /// <param name="api"><c>api/state</c> for the map's reader, <c>api/streams</c> for the stream counts'.</param>
    public static async Task WaitUntilReadyAsync(Uri dashboard, TimeSpan patience, string api = "api/state")
    {
        using var http = new HttpClient { BaseAddress = dashboard };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < patience)
        {
            var state = await http.GetFromJsonAsync<JsonElement>(api);
            if (state.GetProperty("status").GetProperty("ready").GetBoolean()) return;
            await Task.Delay(100);
        }
        Assert.Fail($"the consumer was not connected and positioned on every partition within {patience.TotalSeconds} s");
    }
}
