using System.Globalization;
using System.Text.Json.Nodes;
using Plotly.NET;
using TopUpSpark.Streaming.Progress;
using TopUpSpark.Web;
using PlotlyChart = Plotly.NET.CSharp.Chart;

namespace TopUpSpark.Job.Ui;

/// <summary>
/// The streaming UI's Plotly.NET figures over the last batches (x = batch id), as Spark's Structured Streaming
/// tab draws them: input vs processing rate, batch duration by phase, state rows per operator, the watermark,
/// and the rows the query did not take (late rows dropped, dead letters).
/// </summary>
public static class StreamingUiFigures
{
    private const string NoBatchYet = "No batch yet: a point per batch as the query runs";
    private static readonly string[] Palette = ["#2f6db5", "#e0523c", "#1f8a4c", "#b7791f", "#7b4fb8", "#17a2b8", "#6b7789", "#d6457a"];

    public static JsonObject All(IReadOnlyList<QueryProgress> batches) => new()
    {
        ["rates"] = Rates(batches),
        ["durations"] = Durations(batches),
        ["state"] = StateRows(batches),
        ["watermark"] = Watermark(batches),
        ["dropped"] = Dropped(batches),
    };

    public static JsonNode Rates(IReadOnlyList<QueryProgress> batches) => Figure(batches, "Input rate vs processing rate", "rows/s",
    [
        Line(batches, "input rows/s", b => b.InputRowsPerSecond, 0),
        Line(batches, "processed rows/s", b => b.ProcessedRowsPerSecond, 1),
    ]);

    /// <summary>Each phase's share of the batch (Spark's <c>durationMs</c>); what no phase accounts for is "other".</summary>
    public static JsonNode Durations(IReadOnlyList<QueryProgress> batches)
    {
        var phases = batches.SelectMany(b => b.DurationMs.Keys).Where(k => k != "triggerExecution").Distinct().Order(StringComparer.Ordinal).ToList();
        var columns = phases.Select((phase, i) => Column(batches, phase, b => b.DurationMs.GetValueOrDefault(phase), i)).ToList();
        columns.Add(Column(batches, "other", b => Math.Max(0, b.DurationMs.GetValueOrDefault("triggerExecution") - b.DurationMs.Where(d => d.Key != "triggerExecution").Sum(d => d.Value)),
            phases.Count));
        return Figure(batches, "Batch duration by phase", "ms", columns, stacked: true,
            countsUpTo: batches.Count == 0 ? 0 : batches.Max(b => b.DurationMs.GetValueOrDefault("triggerExecution")));
    }

    public static JsonNode StateRows(IReadOnlyList<QueryProgress> batches)
    {
        var operators = batches.SelectMany(b => b.StateOperators.Select(s => s.OperatorName)).Distinct().ToList();
        return Figure(batches, "State rows per operator", "rows", operators.Select((name, i) =>
            Line(batches, name, b => b.StateOperators.FirstOrDefault(s => s.OperatorName == name)?.NumRowsTotal ?? 0, i)).ToList(),
            countsUpTo: batches.Count == 0 ? 0 : batches.Max(b => b.StateOperators.Select(s => s.NumRowsTotal).DefaultIfEmpty().Max()));
    }

    /// <summary>The global watermark each batch evicted and emitted with; batches before the first watermark have no point.</summary>
    public static JsonNode Watermark(IReadOnlyList<QueryProgress> batches)
    {
        var points = batches
            .Select(b => (b.BatchId, At: b.Watermark()))
            .Where(p => p.At is not null)
            .ToList();
        var line = PlotlyChart.Line<long, string, string>(
            x: points.Select(p => p.BatchId), y: points.Select(p => p.At!.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)),
            ShowMarkers: true, Name: "watermark (UTC)", ShowLegend: false, LineColor: Color.fromString(Palette[0]), MarkerColor: Color.fromString(Palette[0]),
            UseDefaults: false);
        return Figure(batches, "Watermark", "event time (UTC)", [line], yIsTime: true);
    }

    public static JsonNode Dropped(IReadOnlyList<QueryProgress> batches) => Figure(batches, "Rows not taken: late rows dropped, dead letters", "rows",
    [
        Column(batches, "late rows dropped", b => b.LateRowsDropped, 1),
        Column(batches, "dead letters", b => b.DeadLetters, 3),
    ], countsUpTo: batches.Count == 0 ? 0 : batches.Max(b => Math.Max(b.LateRowsDropped, b.DeadLetters)));

    private static GenericChart Line(IReadOnlyList<QueryProgress> batches, string name, Func<QueryProgress, double> value, int colour) =>
        PlotlyChart.Line<long, double, string>(x: batches.Select(b => b.BatchId), y: batches.Select(value), ShowMarkers: true, Name: PlotlyFigure.Html(name),
            LineColor: Color.fromString(Palette[colour % Palette.Length]), MarkerColor: Color.fromString(Palette[colour % Palette.Length]), UseDefaults: false);

    private static GenericChart Column(IReadOnlyList<QueryProgress> batches, string name, Func<QueryProgress, long> value, int colour) =>
        PlotlyChart.Column<long, long, string>(values: batches.Select(value), Keys: new Plotly.NET.CSharp.Optional<IEnumerable<long>>(batches.Select(b => b.BatchId), true), Name: PlotlyFigure.Html(name),
            MarkerColor: Color.fromString(Palette[colour % Palette.Length]), UseDefaults: false);

    private static JsonNode Figure(IReadOnlyList<QueryProgress> batches, string title, string yTitle, IReadOnlyList<GenericChart> traces,
        bool stacked = false, bool yIsTime = false, long? countsUpTo = null)
    {
        // A stateless query has no state operator: an empty trace keeps the figure valid.
        var chart = traces.Count > 0 ? PlotlyChart.Combine(traces) : PlotlyChart.Line<long, long, string>(x: [], y: [], ShowLegend: false, UseDefaults: false);
        var layout = PlotlyFigure.BaseLayout(title);
        // Times as tick labels ("00:01:30" over "Nov 25") need more room than counts.
        layout.SetProperty("margin", new { l = yIsTime ? 100 : 64, r = 16, t = 44, b = 84 });
        layout.SetProperty("legend", new { orientation = "h", x = 0, y = -0.3, yanchor = "top" });
        layout.SetProperty("plot_bgcolor", "rgba(0,0,0,0)");
        if (batches.Count == 0)
        {
            PlotlyFigure.ShowNothingYet(layout, NoBatchYet);
            return PlotlyFigure.ToJson(GenericChart.addLayout(layout, chart));
        }
        // Batch ids are whole numbers: no ticks at halves. One batch alone gets a range around it, not ±0.5 of made-up ids.
        var first = batches[0].BatchId;
        var last = batches[^1].BatchId;
        layout.SetProperty("xaxis", new { title = new { text = "batch" }, tickformat = "d", gridcolor = PlotlyFigure.GridColour, range = new[] { first - 0.6, last + 0.6 } });
        var yAxis = new Dictionary<string, object> { ["title"] = new { text = yTitle }, ["gridcolor"] = PlotlyFigure.GridColour, ["zeroline"] = false };
        if (yIsTime)
        {
            yAxis["type"] = "date";
            yAxis["tickformat"] = "%H:%M:%S\n%b %d";
        }
        else
        {
            yAxis["rangemode"] = "tozero";
            yAxis["tickformat"] = "~s";
            // Counts are whole: with small ones plotly.js would tick at halves ("500m").
            if (countsUpTo is <= 5) yAxis["dtick"] = 1;
        }
        layout.SetProperty("yaxis", yAxis);
        if (stacked) layout.SetProperty("barmode", "stack");
        return PlotlyFigure.ToJson(GenericChart.addLayout(layout, chart));
    }
}
