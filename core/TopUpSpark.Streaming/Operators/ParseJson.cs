using TopUpSpark.Core.Messages;
using TopUpSpark.Core.Schema;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Rows;
using TopUpSpark.Streaming.Sources;

namespace TopUpSpark.Streaming.Operators;

/// <summary>
/// <c>from_json(CAST(value AS STRING), schema-of-strings)</c>: every column of the dataset as the string it
/// is, plus the event time as a string, plus the original record (last column) so later steps can
/// dead-letter with the original bytes. A <see cref="StreamFrame.Cast"/> right after it fuses both
/// steps into one <see cref="JsonCast"/>.
/// </summary>
public sealed class ParseJson(SourceScan scan, DatasetSchema dataset, string eventTimeColumn, int maxMessageBytes)
    : JsonDecodeOperator($"parse {dataset.Name}", StringSchema(dataset, eventTimeColumn), scan, dataset,
        InputMessageCodec.StringColumns(dataset), eventTimeColumn, maxMessageBytes, castByType: false)
{
    public const string OriginColumn = "_origin";

    private static RowSchema StringSchema(DatasetSchema dataset, string eventTimeColumn) =>
        new(dataset.ColumnNames.Select(n => (n, ColumnKind.String))
            .Append((eventTimeColumn, ColumnKind.String))
            .Append((OriginColumn, ColumnKind.Binary)));

    protected override int RowWidth => Dataset.Columns.Count + 2;

    protected override object?[] Complete(object?[] row, SourceRecords records, int index, BatchContext context)
    {
        row[^1] = OriginOf(records, index);
        return row;
    }
}
