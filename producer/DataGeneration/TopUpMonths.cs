namespace TopUpSpark.Producer.DataGeneration;

/// <summary>The seven values of <c>Top-up Month</c> and how often each occurs in the original data.</summary>
public static class TopUpMonths
{
    public const string NoTopUp = "No Top-up Service";

    /// <summary>Value → count among the original 128,655 customers; " > 48 Months" keeps its leading space.</summary>
    public static IReadOnlyList<KeyValuePair<string, int>> OriginalCounts { get; } =
    [
        new(NoTopUp, 106_677),
        new("12-18 Months", 1_034),
        new("18-24 Months", 2_368),
        new("24-30 Months", 3_492),
        new("30-36 Months", 3_062),
        new("36-48 Months", 3_656),
        new(" > 48 Months", 8_366),
    ];

    /// <summary>The label <c>Top-up</c>: 0 for "No Top-up Service", else 1.</summary>
    public static int Label(string topUpMonth) => topUpMonth == NoTopUp ? 0 : 1;
}
