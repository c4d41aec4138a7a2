using System.Globalization;
using System.Text.RegularExpressions;

namespace TopUpSpark.Core.Cli;

/// <summary>Durations as people write them on a command line: <c>500ms</c>, <c>5s</c>, <c>10 seconds</c>, <c>1m</c>, <c>2h</c>, <c>1d</c>, or <c>hh:mm:ss</c>.</summary>
public static partial class Duration
{
    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|sec|seconds?|m|min|minutes?|h|hours?|d|days?)$")]
    private static partial Regex Pattern();

    public static TimeSpan Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        var match = Pattern().Match(t);
        if (!match.Success)
        {
            if (TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var span)) return span;
            throw new FormatException($"'{text}' is not a duration such as 500ms, 5s, 1m, 2h, 1d or hh:mm:ss");
        }
        var amount = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "ms" or "millisecond" or "milliseconds" => TimeSpan.FromMilliseconds(amount),
            "m" or "min" or "minute" or "minutes" => TimeSpan.FromMinutes(amount),
            "h" or "hour" or "hours" => TimeSpan.FromHours(amount),
            "d" or "day" or "days" => TimeSpan.FromDays(amount),
            _ => TimeSpan.FromSeconds(amount),
        };
    }

    public static string Format(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays % 1 == 0 ? $"{span.TotalDays:0}d"
        : span.TotalHours >= 1 && span.TotalHours % 1 == 0 ? $"{span.TotalHours:0}h"
        : span.TotalMinutes >= 1 && span.TotalMinutes % 1 == 0 ? $"{span.TotalMinutes:0}m"
        : span.TotalSeconds >= 1 && span.TotalSeconds % 1 == 0 ? $"{span.TotalSeconds:0}s"
        : $"{span.TotalMilliseconds:0}ms";
}
