namespace TopUpSpark.Streaming.Execution;

/// <summary>An input message the query could not use: the original bytes, where they came from, and why.</summary>
public sealed record DeadLetter(string SourceTopic, int Partition, long Offset, string? Key, byte[] Value, string Reason);
