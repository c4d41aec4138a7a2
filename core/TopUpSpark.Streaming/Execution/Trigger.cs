using TopUpSpark.Core.Cli;

namespace TopUpSpark.Streaming.Execution;

/// <summary>When micro-batches run (Spark's <c>trigger(…)</c>).</summary>
public abstract record Trigger
{
    /// <summary>No trigger set: the next batch starts as soon as the previous one finished and new data is there.</summary>
    public sealed record AsSoonAsPossible : Trigger;

    /// <summary><c>Trigger.ProcessingTime(interval)</c>: batches start on interval boundaries; a late batch starts at once.</summary>
    public sealed record ProcessingTime(TimeSpan Interval) : Trigger;

    /// <summary><c>Trigger.AvailableNow</c>: process everything present at start (possibly in several batches), then stop.</summary>
    public sealed record AvailableNow : Trigger;

    /// <summary>Parses <c>available-now</c>, <c>default</c>, or an interval such as <c>5s</c>, <c>500ms</c>, <c>1m</c>, <c>10 seconds</c>.</summary>
    public static Trigger Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t is "available-now" or "availablenow" or "once") return new AvailableNow();
        if (t is "default" or "asap" or "") return new AsSoonAsPossible();
        TimeSpan interval;
        try
        {
            interval = Duration.Parse(t);
        }
        catch (FormatException)
        {
            throw new FormatException($"trigger '{text}' is not 'available-now', 'default' or an interval like 5s, 500ms, 1m");
        }
        if (interval <= TimeSpan.Zero) throw new FormatException($"trigger interval '{text}' must be positive");
        return new ProcessingTime(interval);
    }
}
