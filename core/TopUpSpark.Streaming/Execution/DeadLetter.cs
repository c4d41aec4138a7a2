namespace TopUpSpark.Streaming.Execution;

/// <summary>
/// An input message the query could not use: the original key and value bytes, where they came from, and
/// why. The reason quotes what was wrong, and what was wrong may be huge (a 600 KB column name, a 600 KB
/// event time): quotes beyond <see cref="MaxReasonLength"/> characters keep their start and end, so the
/// reason fits a log line and a Kafka header. The whole original stays in the message itself.
/// </summary>
public sealed record DeadLetter(string SourceTopic, int Partition, long Offset, byte[]? Key, byte[] Value, string Reason)
{
    public const int MaxReasonLength = 1000;

    public string Reason { get; init; } = Shorten(Reason);

    /// <summary>The key as text for logs: UTF-8 where it is, else its length.</summary>
    public string DescribeKey() => Key switch
    {
        null => "(null)",
        { Length: > 100 } => $"({Key.Length:N0} bytes)",
        _ when System.Text.Unicode.Utf8.IsValid(Key) => System.Text.Encoding.UTF8.GetString(Key),
        _ => $"({Key.Length} bytes, not UTF-8)",
    };

    private static string Shorten(string reason)
    {
        if (reason.Length <= MaxReasonLength) return reason;
        const int keep = (MaxReasonLength - 40) / 2;
        return $"{reason[..keep]}… ({reason.Length - 2 * keep:N0} characters left out) …{reason[^keep..]}";
    }
}
