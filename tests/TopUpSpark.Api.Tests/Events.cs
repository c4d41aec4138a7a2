using System.Globalization;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using NUnit.Framework;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Schema;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Api.Tests;

/// <summary>Events the API takes, and reading back what it published.</summary>
public static class Events
{
    private static readonly DateTimeOffset SomeDay = new(2019, 3, 14, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A valid event of <paramref name="dataset"/> with every column set, as a CSV row would have it.</summary>
    public static JsonObject Valid(DatasetSchema dataset, string id)
    {
        var item = new JsonObject();
        foreach (var column in dataset.Columns)
        {
            item[column.Name] = column.Name == dataset.KeyColumn ? id : column.Type switch
            {
                ColumnType.Number => "1,20,000",
                ColumnType.Flag => "TRUE",
                ColumnType.Date => SomeDay.ToString(column.DateFormats[0], CultureInfo.InvariantCulture),
                ColumnType.Timestamp => "1552521600",
                _ => $"{column.Name} of {id}",
            };
        }
        return item;
    }

    /// <summary>The message at <paramref name="partition"/>/<paramref name="offset"/> of <paramref name="topic"/>.</summary>
    public static ConsumeResult<string, byte[]> At(KafkaSettings kafka, string topic, int partition, long offset)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(kafka.Consumer("api-test-reader", "api-test-" + Guid.NewGuid())).Build();
        consumer.Assign(new TopicPartitionOffset(topic, partition, offset));
        var result = consumer.Consume(Waits.HangBound);
        Assert.That(result, Is.Not.Null.And.Property("IsPartitionEOF").False, $"no message at {topic}[{partition}]@{offset}");
        return result!;
    }

    /// <summary>How many messages <paramref name="topic"/> holds (sum of its partitions' high watermarks).</summary>
    public static long Count(KafkaSettings kafka, string topic, int partitions = 4)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(kafka.Consumer("api-test-count", "api-test-" + Guid.NewGuid())).Build();
        return Enumerable.Range(0, partitions).Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), Waits.HangBound).High.Value);
    }
}
