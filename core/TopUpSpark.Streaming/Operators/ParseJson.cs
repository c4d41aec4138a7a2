using TopUpSpark.Core.Messages;
using TopUpSpark.Core.Schema;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Streaming.Operators;

/// <summary>
/// <c>from_json(CAST(value AS STRING), schema-of-strings)</c>: every column of the dataset as a string,
/// plus the event-time column. A message that is not the contract (malformed JSON, missing or extra
/// columns, non-string values, too large) goes to the dead letters with the reason; the rest go on.
/// The last column carries the original record so later steps can dead-letter with the original bytes.
/// </summary>
public sealed class ParseJson : PlanNode
{
    public const string OriginColumn = "_origin";
    private readonly DatasetSchema _dataset;
    private readonly string _eventTimeColumn;
    private readonly int _maxMessageBytes;

    public ParseJson(PlanNode scan, DatasetSchema dataset, string eventTimeColumn, int maxMessageBytes)
        : base($"parse {dataset.Name}", StringSchema(dataset, eventTimeColumn), scan)
    {
        _dataset = dataset;
        _eventTimeColumn = eventTimeColumn;
        _maxMessageBytes = maxMessageBytes;
    }

    private static RowSchema StringSchema(DatasetSchema dataset, string eventTimeColumn) =>
        new(dataset.ColumnNames.Select(n => (n, ColumnKind.String))
            .Append((eventTimeColumn, ColumnKind.String))
            .Append((OriginColumn, ColumnKind.Binary)));

    public override IReadOnlyList<object?[]> Execute(BatchContext context, IReadOnlyList<IReadOnlyList<object?[]>> inputRows)
    {
        var input = inputRows[0];
        var output = new object?[]?[input.Count];
        var width = _dataset.Columns.Count;
        Parallel.For(0, input.Count, context.Parallelism, i =>
        {
            var scanned = input[i];
            var origin = new DeadLetterOrigin((string)scanned[2]!, (int)(long)scanned[3]!, (long)scanned[4]!, (string?)scanned[0], (byte[])scanned[1]!);
            if (origin.Value.Length > _maxMessageBytes)
            {
                context.DeadLetter(origin.Reject($"message of {origin.Value.Length} bytes exceeds the {_maxMessageBytes}-byte limit"));
                return;
            }
            if (!InputMessageCodec.TryDecode(origin.Value, _dataset, _eventTimeColumn, out var values, out var eventTime, out var error))
            {
                context.DeadLetter(origin.Reject(error!));
                return;
            }
            var row = new object?[width + 2];
            Array.Copy(values, row, width);
            row[width] = eventTime;
            row[width + 1] = origin;
            output[i] = row;
        });
        return output.Where(r => r is not null).ToArray()!;
    }
}

/// <summary>Where a parsed row came from, so any step can dead-letter it with the original bytes.</summary>
public sealed record DeadLetterOrigin(string Topic, int Partition, long Offset, string? Key, byte[] Value)
{
    public DeadLetter Reject(string reason) => new(Topic, Partition, Offset, Key, Value, reason);
}
