namespace TopUpSpark.Producer;

/// <summary>
/// One batch as sent: its number (0, 1, …), its event time <c>ts</c> (Unix seconds; the string in every
/// message is <c>Ts.ToString()</c>), the customer IDs in the order sent and the number of bureau rows sent
/// for them. <see cref="Pass"/> counts how often the customer file was started again from the top.
/// </summary>
public sealed record ProducedBatch(long Number, long Ts, IReadOnlyList<string> CustomerIds, int BureauRows, int Pass)
{
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeSeconds(Ts);
}
