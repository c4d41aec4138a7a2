namespace TopUpSpark.Core.Messages;

/// <summary>
/// The Kafka headers of a dead letter on <c>&lt;topic&gt;.dlq</c>, besides its <see cref="BatchPart"/>: why the input
/// message was rejected, where it came from (topic, partition, offset: the whole original stays there), and,
/// when its key or value had to be cut to fit the broker, their original lengths. The job writes them; readers
/// (topup-sql) read them.
/// </summary>
public static class DeadLetterHeaders
{
    public const string Reason = "reason";
    public const string SourceTopic = "source.topic";
    public const string SourcePartition = "source.partition";
    public const string SourceOffset = "source.offset";
    public const string KeyTruncatedFromBytes = "key.truncatedFromBytes";
    public const string ValueTruncatedFromBytes = "value.truncatedFromBytes";
}
