namespace TopUpSpark.Core.Schema;

/// <summary>How a column's string value is cast (DESIGN §3 casting rules).</summary>
public enum ColumnType
{
    /// <summary>Kept as the string it is; empty becomes null.</summary>
    String,
    /// <summary>A double, after removing thousands separators and unit suffixes.</summary>
    Number,
    /// <summary>TRUE → 1, FALSE → 0; numeric for aggregation.</summary>
    Flag,
    /// <summary>A UTC date parsed with the column's declared formats.</summary>
    Date,
    /// <summary>Unix time in whole seconds, as UTC.</summary>
    Timestamp,
}

public static class ColumnTypeExtensions
{
    /// <summary>Numeric columns aggregate to <c>_sum</c>, all others to <c>_dist</c>.</summary>
    public static bool IsNumeric(this ColumnType type) => type is ColumnType.Number or ColumnType.Flag;
}
