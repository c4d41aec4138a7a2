using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Rows;
using TopUpSpark.Streaming.Sources;

namespace TopUpSpark.Streaming.Operators;

/// <summary>
/// <c>readStream.format("kafka")</c>: this batch's records of one source as rows of key (string),
/// value (bytes), topic, partition, offset and timestamp — the Kafka source's schema in Spark.
/// </summary>
public sealed class SourceScan(string topic, IStreamSource source) : PlanNode($"scan {topic}", KafkaRowSchema)
{
    public static readonly RowSchema KafkaRowSchema = new([
        ("key", ColumnKind.String), ("value", ColumnKind.Binary), ("topic", ColumnKind.String),
        ("partition", ColumnKind.Long), ("offset", ColumnKind.Long), ("timestamp", ColumnKind.Timestamp),
    ]);

    public IStreamSource Source { get; } = source;
    public string Topic { get; } = topic;

    public override IReadOnlyList<object?[]> Execute(BatchContext context, IReadOnlyList<IReadOnlyList<object?[]>> inputRows)
    {
        var records = context.SourceRecords.TryGetValue(Source, out var r) ? r : [];
        var rows = new object?[records.Count][];
        for (var i = 0; i < rows.Length; i++)
        {
            var record = records[i];
            rows[i] = [record.Key, record.Value, Topic, (long)record.Partition, record.Offset, record.Timestamp];
        }
        context.Count($"{Topic}.inputRows", rows.Length);
        return rows;
    }
}
