namespace TopUpSpark.Consumer.Tests.Support;

/// <summary>A clock that says what the test set: the dashboard's "now" without waiting for it.</summary>
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
