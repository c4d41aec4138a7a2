namespace TopUpSpark.Streaming.Rows;

/// <summary>The value types a row column can hold; null is allowed in every kind.</summary>
public enum ColumnKind
{
    String,
    /// <summary>A <see cref="double"/>.</summary>
    Double,
    /// <summary>A <see cref="long"/>.</summary>
    Long,
    /// <summary>A UTC <see cref="DateTimeOffset"/>.</summary>
    Timestamp,
    /// <summary>Raw bytes (Kafka values before parsing).</summary>
    Binary,
}
