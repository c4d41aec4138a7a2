using System.Globalization;
using TopUpSpark.Core.Messages;

namespace TopUpSpark.Consumer.Dashboard;

/// <summary>
/// The largest count the dashboard takes: 2^53−1, JavaScript's <c>Number.MAX_SAFE_INTEGER</c>. The page
/// plots counts as JavaScript numbers, which cannot hold a larger whole number exactly, so a message
/// whose counts, or whose window's total, would pass it is rejected instead of shown wrong. Every count
/// and total kept stays within it, so two of them always add up within a long.
/// </summary>
public static class CountLimit
{
    public const long Max = 9_007_199_254_740_991;

    private static readonly string Explanation =
        $"{Max.ToString("N0", CultureInfo.InvariantCulture)} (2^53−1), the largest count the page can show exactly";

    /// <param name="subject">What has <paramref name="value"/>, e.g. "the total of window … would be".</param>
    public static string Beyond(string subject, long value) =>
        $"{subject} {value.ToString("N0", CultureInfo.InvariantCulture)}, beyond {Explanation}";

    /// <summary>Why the message's counts cannot be shown (a count or their sum beyond <see cref="Max"/>); null when they can.</summary>
    public static string? Check(StateCountsMessage message)
    {
        var total = 0L;
        foreach (var (state, count) in message.Counts)
        {
            if (count > Max) return Beyond($"count of state '{Printable.Text(state, 60)}' is", count);
            // Both at most Max here: the sum cannot overflow, and stops growing once past Max.
            total = checked(total + count);
            if (total > Max) return $"the message's counts add up to more than {Explanation}";
        }
        return null;
    }
}
