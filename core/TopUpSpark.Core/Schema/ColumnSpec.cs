namespace TopUpSpark.Core.Schema;

/// <summary>One column of a dataset: its exact header name, type and (for dates) accepted formats.</summary>
public sealed record ColumnSpec(string Name, ColumnType Type, IReadOnlyList<string> DateFormats)
{
    public ColumnSpec(string name, ColumnType type) : this(name, type, []) { }
}
