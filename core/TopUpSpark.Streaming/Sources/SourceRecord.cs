namespace TopUpSpark.Streaming.Sources;

/// <summary>One message of a source, as read (Kafka's key, value, partition, offset, timestamp).</summary>
public sealed record SourceRecord(string? Key, byte[] Value, int Partition, long Offset, DateTimeOffset Timestamp);
