using TopUpSpark.Core.Schema;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Streaming.Operators;

/// <summary>
/// Casts the string columns by the schema file (DESIGN §3): numbers without separators and unit
/// suffixes, flags TRUE/FALSE → 1/0, dates in their formats as UTC. A cell that does not parse becomes
/// null and is counted per column. A row whose key is empty or whose event time is not a plausible
/// Unix time is not data the query can place in time: it goes to the dead letters with the reason.
/// </summary>
public sealed class CastColumns : PlanNode
{
    private readonly DatasetSchema _dataset;
    private readonly EventTimeBounds _eventTimeBounds;

    public CastColumns(ParseJson parsed, DatasetSchema dataset, string eventTimeColumn, EventTimeBounds eventTimeBounds)
        : base($"cast {dataset.Name}", TypedSchema(dataset, eventTimeColumn), parsed)
    {
        _dataset = dataset;
        _eventTimeBounds = eventTimeBounds;
    }

    public static ColumnKind KindOf(ColumnType type) => type switch
    {
        ColumnType.String => ColumnKind.String,
        ColumnType.Number or ColumnType.Flag => ColumnKind.Double,
        ColumnType.Date or ColumnType.Timestamp => ColumnKind.Timestamp,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    private static RowSchema TypedSchema(DatasetSchema dataset, string eventTimeColumn) =>
        new(dataset.Columns.Select(c => (c.Name, KindOf(c.Type))).Append((eventTimeColumn, ColumnKind.Timestamp)));

    public override IReadOnlyList<object?[]> Execute(BatchContext context, IReadOnlyList<IReadOnlyList<object?[]>> inputRows)
    {
        var input = inputRows[0];
        var width = _dataset.Columns.Count;
        var output = new object?[]?[input.Count];
        var invalidPerColumn = new long[width];
        var now = DateTimeOffset.UtcNow;
        Parallel.For(0, input.Count, context.Parallelism, i =>
        {
            var raw = input[i];
            var origin = (DeadLetterOrigin)raw[width + 1]!;
            if (string.IsNullOrWhiteSpace((string?)raw[_dataset.KeyOrdinal]))
            {
                context.DeadLetter(origin.Reject($"empty key column '{_dataset.KeyColumn}'"));
                return;
            }
            var eventTimeText = (string)raw[width]!;
            if (!ValueCaster.TryParseUnixSeconds(eventTimeText, out var eventTime) || !_eventTimeBounds.Contains(eventTime, now))
            {
                context.DeadLetter(origin.Reject($"event time '{eventTimeText}' is not a Unix time in seconds within {_eventTimeBounds.Describe(now)}"));
                return;
            }
            var row = new object?[width + 1];
            for (var c = 0; c < width; c++)
            {
                if (ValueCaster.Cast(_dataset.Columns[c], (string?)raw[c], out var value) == CastStatus.Invalid)
                    Interlocked.Increment(ref invalidPerColumn[c]);
                row[c] = value;
            }
            row[width] = eventTime;
            output[i] = row;
        });
        for (var c = 0; c < width; c++)
            context.Count($"{_dataset.Name}.invalidValues.{_dataset.Columns[c].Name}", invalidPerColumn[c]);
        context.Count($"{_dataset.Name}.invalidValues", invalidPerColumn.Sum());
        return output.Where(r => r is not null).ToArray()!;
    }
}
