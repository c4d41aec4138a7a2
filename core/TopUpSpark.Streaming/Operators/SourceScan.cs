using System.Collections;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Rows;
using TopUpSpark.Streaming.Sources;

namespace TopUpSpark.Streaming.Operators;

/// <summary>
/// <c>readStream.format("kafka")</c>: this batch's records of one source as rows of key (string),
/// value (bytes), topic, partition, offset and timestamp — the Kafka source's schema in Spark. Rows are
/// built only when something reads them: the JSON decode right after a scan reads the records' bytes
/// directly, as Spark's whole-stage code generation fuses a scan with what follows it.
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
        var records = context.RecordsOf(Source);
        context.Count($"{Topic}.inputRows", records.Count);
        return new ScannedRows(records, Topic);
    }

    private sealed class ScannedRows(SourceRecords records, string topic) : IReadOnlyList<object?[]>
    {
        public int Count => records.Count;

        public object?[] this[int index] =>
            [records.Key(index), records.Value(index).ToArray(), topic, (long)records.Partition(index), records.Offset(index), records.Timestamp(index)];

        public IEnumerator<object?[]> GetEnumerator()
        {
            for (var i = 0; i < records.Count; i++) yield return this[i];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
