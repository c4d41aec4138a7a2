using System.Globalization;
using TopUpSpark.Core.Schema;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Rows;
using TopUpSpark.Streaming.Sources;

namespace TopUpSpark.Streaming.Operators;

/// <summary>
/// <c>from_json</c> then a cast of every column by the schema file (DESIGN §3), fused into one pass over
/// each message's bytes, as Spark's whole-stage code generation fuses a parse and its projection: numbers
/// without separators and unit suffixes, flags TRUE/FALSE → 1/0, dates in their formats as UTC. A cell that
/// does not parse becomes null and is counted per column. A row whose key is empty or whose event time is
/// not a plausible Unix time cannot be placed in time: it goes to the dead letters with the reason.
/// </summary>
public sealed class JsonCast : JsonDecodeOperator
{
    private readonly EventTimeBounds _bounds;

    public JsonCast(ParseJson parsed, EventTimeBounds bounds)
        : base($"parse+cast {parsed.Dataset.Name}", TypedSchema(parsed.Dataset, parsed.EventTimeColumn), parsed.Scan,
            parsed.Dataset, parsed.Dataset.Columns, parsed.EventTimeColumn, parsed.MaxMessageBytes, castByType: true)
    {
        _bounds = bounds;
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

    protected override int RowWidth => Dataset.Columns.Count + 1;

    protected override object?[]? Complete(object?[] row, SourceRecords records, int index, BatchContext context)
    {
        if (string.IsNullOrWhiteSpace(row[Dataset.KeyOrdinal] as string))
        {
            context.DeadLetter(OriginOf(records, index).Reject($"empty key column '{Dataset.KeyColumn}'"));
            return null;
        }
        // The decoder gave the event time as a time when it is a Unix time in seconds, else as its text.
        var now = DateTimeOffset.UtcNow;
        if (row[^1] is not DateTimeOffset eventTime || !_bounds.Contains(eventTime, now))
        {
            var text = row[^1] as string ?? ((DateTimeOffset)row[^1]!).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            context.DeadLetter(OriginOf(records, index).Reject($"event time '{text}' is not a Unix time in seconds within {_bounds.Describe(now)}"));
            return null;
        }
        return row;
    }
}
