using System.Collections.Concurrent;
using TopUpSpark.Core.Messages;
using TopUpSpark.Core.Schema;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Rows;
using TopUpSpark.Streaming.Sources;

namespace TopUpSpark.Streaming.Operators;

/// <summary>
/// What <see cref="ParseJson"/> and <see cref="JsonCast"/> share: decoding each Kafka value of the batch,
/// straight from the bytes the source read, on up to <c>cores</c> threads, and sending a message that is not the contract (malformed JSON,
/// missing or unknown columns, non-string values, too large) to the dead letters with the reason and
/// its original bytes, while the rest go on.
/// </summary>
public abstract class JsonDecodeOperator : PlanNode, IRecordDecoder
{
    private readonly IReadOnlyList<ColumnSpec> _columns;
    private readonly bool _castByType;
    private TypedMessageDecoder _decoder;
    private readonly int _width;

    protected JsonDecodeOperator(string name, RowSchema schema, SourceScan scan, DatasetSchema dataset,
        IReadOnlyList<ColumnSpec> columns, string eventTimeColumn, int maxMessageBytes, bool castByType)
        : base(name, schema, scan)
    {
        Scan = scan;
        Dataset = dataset;
        EventTimeColumn = eventTimeColumn;
        MaxMessageBytes = maxMessageBytes;
        _columns = columns;
        _castByType = castByType;
        _decoder = new TypedMessageDecoder(columns, eventTimeColumn, castByType);
        _width = columns.Count;
    }

    /// <summary>
    /// Fields nobody downstream reads are skipped, not decoded (Spark prunes <c>from_json</c>'s schema the
    /// same way); every message is still checked against the whole contract. The key is always decoded,
    /// as a row without one is dead-lettered.
    /// </summary>
    public override void ProduceOnly(IReadOnlySet<int> requiredOutputs) =>
        _decoder = new TypedMessageDecoder(_columns, EventTimeColumn, _castByType,
            requiredOutputs.Where(o => o < _width).Append(Dataset.KeyOrdinal).ToHashSet());

    public SourceScan Scan { get; }
    public DatasetSchema Dataset { get; }
    public string EventTimeColumn { get; }
    public int MaxMessageBytes { get; }

    /// <summary>Slots each output row needs: the columns, the event time, and any extra of the subclass.</summary>
    protected abstract int RowWidth { get; }

    /// <summary>Finishes a decoded row (columns, then the raw event time) of record <paramref name="index"/>; null when it was dead-lettered.</summary>
    protected abstract object?[]? Complete(object?[] row, SourceRecords records, int index, BatchContext context);

    public override IReadOnlyList<object?[]> Execute(BatchContext context, IReadOnlyList<IReadOnlyList<object?[]>> inputRows)
    {
        var records = context.RecordsOf(Scan.Source);
        if (records.Count == 0) return [];
        var output = new object?[]?[records.Count];
        var invalid = new long[_width];
        // Ranges rather than single messages per task: a message takes a microsecond or two to decode.
        Parallel.ForEach(Partitioner.Create(0, records.Count, DecodeRangeSize), context.Parallelism, () => new int[_width], (range, _, localInvalid) =>
        {
            for (var i = range.Item1; i < range.Item2; i++)
            {
                var value = records.Value(i);
                var size = (long)value.Length + records.KeyLength(i);
                if (size > MaxMessageBytes)
                {
                    context.DeadLetter(OriginOf(records, i).Reject($"message of {size} bytes (key and value) exceeds the {MaxMessageBytes}-byte limit (--max-message-bytes)"));
                    continue;
                }
                var row = new object?[RowWidth];
                if (!_decoder.TryDecode(value, row, localInvalid, out var error))
                {
                    context.DeadLetter(OriginOf(records, i).Reject(error!));
                    continue;
                }
                output[i] = Complete(row, records, i, context);
            }
            return localInvalid;
        }, localInvalid =>
        {
            for (var c = 0; c < localInvalid.Length; c++) Interlocked.Add(ref invalid[c], localInvalid[c]);
        });
        for (var c = 0; c < _width; c++)
            context.Count($"{Dataset.Name}.invalidValues.{Dataset.Columns[c].Name}", invalid[c]);
        context.CountInvalidValues($"{Dataset.Name}.invalidValues", invalid.Sum());
        var rows = new List<object?[]>(records.Count);
        foreach (var row in output)
            if (row is not null) rows.Add(row);
        return rows;
    }

    private const int DecodeRangeSize = 512;

    /// <summary>Where record <paramref name="index"/> came from, with a copy of its bytes (the batch's buffers are reused).</summary>
    protected DeadLetterOrigin OriginOf(SourceRecords records, int index) =>
        new(Scan.Topic, records.Partition(index), records.Offset(index), records.KeyBytes(index), records.Value(index).ToArray());
}

/// <summary>Where a decoded row came from, so a later step can dead-letter it with the original bytes.</summary>
public sealed record DeadLetterOrigin(string Topic, int Partition, long Offset, byte[]? Key, byte[] Value)
{
    public DeadLetter Reject(string reason) => new(Topic, Partition, Offset, Key, Value, reason);
}
