using System.Globalization;

namespace TopUpSpark.Producer.DataGeneration;

/// <summary>Amounts written the way the bureau file writes them: Indian digit grouping, <c>1,20,000</c>.</summary>
internal static class IndianNumbers
{
    private static readonly NumberFormatInfo Grouping = new()
    {
        NumberGroupSeparator = ",",
        NumberGroupSizes = [3, 2],
        NumberDecimalSeparator = ".",
        NegativeSign = "-",
    };

    public static string Format(long amount) => amount.ToString("N0", Grouping);
}
