using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using TopUpSpark.Core.Kafka;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Producer.Tests;

/// <summary>A message read back from the broker, its value parsed as a JSON object.</summary>
internal sealed record ReadMessage(string Topic, int Partition, string Key, byte[] Value)
{
    private Dictionary<string, JsonElement>? _fields;

    public IReadOnlyDictionary<string, JsonElement> Fields =>
        _fields ??= JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Value)!;

    public string Field(string name) => Fields[name].GetString()!;

    public string Ts => Field("ts");

    public override string ToString() => $"{Topic}/{Key}: {Encoding.UTF8.GetString(Value)}";
}

/// <summary>Reads topics back with a plain Confluent.Kafka consumer, from the first offset to the end of every partition.</summary>
internal static class KafkaReadBack
{
    public static List<ReadMessage> ReadAll(string bootstrapServers, string topic, int partitions)
    {
        var config = new KafkaSettings(bootstrapServers).Consumer("producer-tests", "producer-tests-" + Guid.NewGuid().ToString("N"));
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var atEnd = new HashSet<int>();
        var messages = new List<ReadMessage>();
        var deadline = DateTime.UtcNow + Waits.HangBound;
        while (atEnd.Count < partitions)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{topic}: only {atEnd.Count} of {partitions} partitions reached their end");
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null) continue;
            if (result.IsPartitionEOF)
            {
                atEnd.Add(result.Partition.Value);
                continue;
            }
            messages.Add(new ReadMessage(topic, result.Partition.Value, result.Message.Key, result.Message.Value));
        }
        return messages;
    }
}
