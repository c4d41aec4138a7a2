namespace TopUpSpark.Models.Training;

/// <summary>
/// The 15 model inputs of DESIGN §3, the same the course's Spark model uses: customer numbers, bureau window
/// aggregates (<c>&lt;column&gt;_sum</c> of a numeric column, <c>&lt;column&gt;_dist</c> distinct count of another),
/// and the customer's categorical columns.
/// </summary>
public static class TopUpFeatureSet
{
    public static IReadOnlyList<string> Numeric { get; } =
    [
        "AssetCost", "DisbursalAmount", "EMI", "MonthlyIncome",
        "SELF-INDICATOR_sum", "ACCT-TYPE_dist", "DISBURSED-AMT/HIGH CREDIT_sum", "CURRENT-BAL_sum",
    ];

    public static IReadOnlyList<string> Categorical { get; } =
        ["LoanStatus", "BranchID", "Area", "Tenure", "ManufacturerID", "City", "State"];

    public const string SumSuffix = "_sum";
    public const string DistinctSuffix = "_dist";
    public const string LabelSourceColumn = "Top-up Month";
    public const string NoTopUp = "No Top-up Service";

    /// <summary>Top-up = 0 for "No Top-up Service" (surrounding spaces ignored), else 1; null when the month is empty.</summary>
    public static bool? Label(string? topUpMonth)
    {
        if (string.IsNullOrWhiteSpace(topUpMonth)) return null;
        return !string.Equals(topUpMonth.Trim(), NoTopUp, StringComparison.Ordinal);
    }
}
