using System.Globalization;
using System.Text.Json.Nodes;

namespace TopUpSpark.Bench;

/// <summary>How the published tables write the numbers of a result.</summary>
public static class Figures
{
    public static string Whole(JsonNode? value) => value!.GetValue<double>().ToString("N0", CultureInfo.InvariantCulture);

    public static string Percent(JsonNode? share) => share!.GetValue<double>().ToString("P0", CultureInfo.InvariantCulture);

    /// <summary>A <see cref="Spread"/>'s JSON: "median (min – max over N runs)".</summary>
    public static string Spread(JsonNode? spread, Func<JsonNode?, string> format) =>
        $"{format(spread!["median"])} (min {format(spread["min"])}, max {format(spread["max"])}; {spread["each_run"]!.AsArray().Count} runs)";
}
