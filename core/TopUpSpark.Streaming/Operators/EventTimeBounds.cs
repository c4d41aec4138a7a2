namespace TopUpSpark.Streaming.Operators;

/// <summary>
/// Event times a query accepts. One absurd timestamp far in the future would push the watermark past
/// every real row and make them all "late", so such rows are rejected instead of trusted.
/// </summary>
public sealed record EventTimeBounds(DateTimeOffset Earliest, TimeSpan MaxAheadOfNow)
{
    public static readonly EventTimeBounds Default = new(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), TimeSpan.FromDays(1));

    public bool Contains(DateTimeOffset eventTime, DateTimeOffset now) => eventTime >= Earliest && eventTime <= now + MaxAheadOfNow;

    public string Describe(DateTimeOffset now) => $"[{Earliest:yyyy-MM-dd}, now + {MaxAheadOfNow.TotalHours:F0} h]";
}
