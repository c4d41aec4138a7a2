using TopUpSpark.Core.Messages;
using TopUpSpark.Core.Schema;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Streaming.Operators;

/// <summary>
/// What <see cref="ParseJson"/> and <see cref="JsonCast"/> share: decoding each Kafka value of the batch
/// on up to <c>cores</c> threads, and sending a message that is not the contract (malformed JSON,
/// missing or unknown columns, non-string values, too large) to the dead letters with the reason and
/// its original bytes, while the rest go on.
/// </summary>
public abstract class JsonDecodeOperator : PlanNode
{
    private readonly TypedMessageDecoder _decoder;
    private readonly int _width;

    protected JsonDecodeOperator(string name, RowSchema schema, PlanNode scan, DatasetSchema dataset,
        IReadOnlyList<ColumnSpec> columns, string eventTimeColumn, int maxMessageBytes, bool castEmptyToNull)
        : base(name, schema, scan)
    {
        Dataset = dataset;
        EventTimeColumn = eventTimeColumn;
        MaxMessageBytes = maxMessageBytes;
        _decoder = new TypedMessageDecoder(columns, eventTimeColumn, castEmptyToNull);
        _width = columns.Count;
    }

    public DatasetSchema Dataset { get; }
    public string EventTimeColumn { get; }
    public int MaxMessageBytes { get; }

    /// <summary>Slots each output row needs: the columns, the event time, and any extra of the subclass.</summary>
    protected abstract int RowWidth { get; }

    /// <summary>Finishes a decoded row (columns, then the raw event time); null when it was dead-lettered.</summary>
    protected abstract object?[]? Complete(object?[] row, DeadLetterOrigin origin, BatchContext context);

    public override IReadOnlyList<object?[]> Execute(BatchContext context, IReadOnlyList<IReadOnlyList<object?[]>> inputRows)
    {
        var input = inputRows[0];
        var output = new object?[]?[input.Count];
        var invalid = new long[_width];
        Parallel.For(0, input.Count, context.Parallelism, () => new int[_width], (i, _, localInvalid) =>
        {
            var scanned = input[i];
            var origin = new DeadLetterOrigin((string)scanned[2]!, (int)(long)scanned[3]!, (long)scanned[4]!, (string?)scanned[0], (byte[])scanned[1]!);
            if (origin.Value.Length > MaxMessageBytes)
            {
                context.DeadLetter(origin.Reject($"message of {origin.Value.Length} bytes exceeds the {MaxMessageBytes}-byte limit"));
                return localInvalid;
            }
            var row = new object?[RowWidth];
            if (!_decoder.TryDecode(origin.Value, row, localInvalid, out var error))
            {
                context.DeadLetter(origin.Reject(error!));
                return localInvalid;
            }
            output[i] = Complete(row, origin, context);
            return localInvalid;
        }, localInvalid =>
        {
            for (var c = 0; c < localInvalid.Length; c++) Interlocked.Add(ref invalid[c], localInvalid[c]);
        });
        for (var c = 0; c < _width; c++)
            context.Count($"{Dataset.Name}.invalidValues.{Dataset.Columns[c].Name}", invalid[c]);
        context.Count($"{Dataset.Name}.invalidValues", invalid.Sum());
        var rows = new List<object?[]>(input.Count);
        foreach (var row in output)
            if (row is not null) rows.Add(row);
        return rows;
    }
}

/// <summary>Where a decoded row came from, so a later step can dead-letter it with the original bytes.</summary>
public sealed record DeadLetterOrigin(string Topic, int Partition, long Offset, string? Key, byte[] Value)
{
    public DeadLetter Reject(string reason) => new(Topic, Partition, Offset, Key, Value, reason);
}
