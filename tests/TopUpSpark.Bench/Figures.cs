using System.Globalization;
using System.Text.Json.Nodes;

namespace TopUpSpark.Bench;

/// <summary>How the published tables write the numbers of a result.</summary>
public static class Figures
{
    /// <summary>A JSON number as a double, whether it was written from a whole or a fractional number.</summary>
    public static double Number(JsonNode? value) => double.Parse(value!.ToJsonString(), CultureInfo.InvariantCulture);

    public static string Whole(JsonNode? value) => Number(value).ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Up to three decimals, as ab's milliseconds come.</summary>
    public static string Decimal(JsonNode? value) => Number(value).ToString("0.###", CultureInfo.InvariantCulture);

    public static string Percent(JsonNode? share) => Number(share).ToString("P0", CultureInfo.InvariantCulture);

    /// <summary>To a tenth of a percent: for shares near zero, whose sign matters.</summary>
    public static string PercentTenths(JsonNode? share) => Number(share).ToString("P1", CultureInfo.InvariantCulture);

    /// <summary>A <see cref="Spread"/>'s JSON: "median (min – max over N runs)".</summary>
    public static string Spread(JsonNode? spread, Func<JsonNode?, string> format) =>
        $"{format(spread!["median"])} (min {format(spread["min"])}, max {format(spread["max"])}; {spread["each_run"]!.AsArray().Count} runs)";
}
