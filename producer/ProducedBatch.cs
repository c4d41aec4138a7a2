namespace TopUpSpark.Producer;

/// <summary>
/// One batch as sent: its number (0, 1, …), its event time <c>ts</c> (Unix seconds; the string in every
/// message is <c>Ts.ToString()</c>), the customer IDs sent with that ts in the order sent and the number of
/// bureau rows sent for them. <see cref="Pass"/> counts how often the customer file was started again from the top.
/// With <c>--late</c>, <see cref="HeldBackIds"/> are this batch's customers kept for the next batch, and
/// <see cref="Late"/> what this batch sent for the previous one.
/// </summary>
public sealed record ProducedBatch(long Number, long Ts, IReadOnlyList<string> CustomerIds, int BureauRows, int Pass)
{
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeSeconds(Ts);

    /// <summary>This batch's customers (with their bureau rows) held back and sent with the next batch, stamped <see cref="Ts"/>.</summary>
    public IReadOnlyList<string> HeldBackIds { get; init; } = [];

    /// <summary>The previous batch's held-back customers, sent after this batch's own rows with their original ts; null when none.</summary>
    public LateDelivery? Late { get; init; }
}

/// <summary>Customers (and their bureau rows) sent one batch late, with the <see cref="Ts"/> of the batch they belong to.</summary>
public sealed record LateDelivery(long Ts, IReadOnlyList<string> CustomerIds, int BureauRows);
