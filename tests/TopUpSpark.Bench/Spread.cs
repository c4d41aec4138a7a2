using System.Text.Json.Nodes;

namespace TopUpSpark.Bench;

/// <summary>Several runs of one measurement: reported as their median with the minimum, maximum and each run.</summary>
public sealed class Spread(IReadOnlyList<double> runs)
{
    public IReadOnlyList<double> Runs { get; } = runs.Count > 0 ? runs : throw new ArgumentException("no runs", nameof(runs));

    /// <summary>One figure of each run.</summary>
    public static Spread Of<TRun>(IEnumerable<TRun> runs, Func<TRun, double> figure) => new(runs.Select(figure).ToList());

    public double Median
    {
        get
        {
            var sorted = Runs.Order().ToList();
            return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
        }
    }

    public double Min => Runs.Min();

    public double Max => Runs.Max();

    public JsonObject ToJson(int digits = 0) => new()
    {
        ["median"] = Math.Round(Median, digits),
        ["min"] = Math.Round(Min, digits),
        ["max"] = Math.Round(Max, digits),
        ["each_run"] = new JsonArray(Runs.Select(r => (JsonNode)Math.Round(r, digits)).ToArray()),
    };
}
