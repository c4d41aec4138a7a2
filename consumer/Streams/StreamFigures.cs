using System.Text.Json.Nodes;
using Plotly.NET;
using TopUpSpark.Consumer.Dashboard;
using PlotlyChart = Plotly.NET.CSharp.Chart;
using TopUpSpark.Web;
using TopUpSpark.Web.Figures;

namespace TopUpSpark.Consumer.Streams;

/// <summary>
/// The streams page's two Plotly.NET line charts, in the map dashboard's look: records per processing-time
/// bucket (late records marked with crosses in the line's colour) and records in the last window at each bucket.
/// </summary>
public static class StreamFigures
{
    /// <summary>The palette's order is the series' order, so a series keeps its colour in both charts and from update to update.</summary>
    private static readonly string[] Palette =
        ["#2f6db5", "#e0523c", "#1f8a4c", "#b7791f", "#7b4fb8", "#0f8b8d", "#c2417a", "#5f6b7a", "#8c6d1f", "#3b8fd9"];

    public static string ColourOf(int seriesIndex) => Palette[seriesIndex % Palette.Length];

    public static JsonNode PerBucket(StreamCountsSnapshot snapshot)
    {
        var x = snapshot.BucketStarts.Select(DashboardFigures.Timestamp).ToList();
        var charts = new List<GenericChart>();
        var styles = new List<(string Colour, bool IsLate)>();
        for (var i = 0; i < snapshot.Series.Count; i++)
        {
            var series = snapshot.Series[i];
            charts.Add(PlotlyChart.Line<string, long, string>(x: x, y: series.Records, ShowMarkers: true, Name: PlotlyFigure.Html(series.Name), UseDefaults: false));
            styles.Add((ColourOf(i), false));
            var lateAt = Enumerable.Range(0, series.Late.Count).Where(b => series.Late[b] > 0).ToList();
            if (lateAt.Count == 0) continue;
            charts.Add(PlotlyChart.Point<string, long, string>(x: lateAt.Select(b => x[b]), y: lateAt.Select(b => series.Late[b]),
                Name: PlotlyFigure.Html($"{series.Name} · late"), UseDefaults: false));
            styles.Add((ColourOf(i), true));
        }
        var traces = GenericChart.getTraces(PlotlyChart.Combine(charts)).ToList();
        for (var i = 0; i < traces.Count; i++)
        {
            var (colour, isLate) = styles[i];
            if (isLate)
            {
                traces[i].SetProperty("marker", new { color = colour, size = 10, symbol = "x-thin", line = new { color = colour, width = 2 } });
                traces[i].SetProperty("hovertemplate", "bucket from %{x|%H:%M:%S} UTC<br><b>%{y:,d}</b> late records (ts before the bucket)<extra>%{fullData.name}</extra>");
            }
            else
            {
                traces[i].SetProperty("line", new { color = colour, width = 2.2, shape = "linear" });
                traces[i].SetProperty("marker", new { color = colour, size = 5 });
                traces[i].SetProperty("hovertemplate", "bucket from %{x|%H:%M:%S} UTC<br><b>%{y:,d}</b> records<extra>%{fullData.name}</extra>");
            }
        }
        var options = snapshot.Options;
        return Figure(traces, $"Records per {Cli(options.Bucket)} bucket (processing time) · × late records", snapshot);
    }

    public static JsonNode InWindow(StreamCountsSnapshot snapshot)
    {
        var x = snapshot.BucketStarts.Select(DashboardFigures.Timestamp).ToList();
        var charts = snapshot.Series
            .Select(series => PlotlyChart.Line<string, long, string>(x: x, y: series.InWindow, ShowMarkers: false, Name: PlotlyFigure.Html(series.Name), UseDefaults: false))
            .ToList();
        var traces = charts.Count == 0 ? [] : GenericChart.getTraces(PlotlyChart.Combine(charts)).ToList();
        for (var i = 0; i < traces.Count; i++)
        {
            traces[i].SetProperty("line", new { color = ColourOf(i), width = 2.2, shape = "hv" });
            traces[i].SetProperty("hovertemplate", $"%{{x|%H:%M:%S}} UTC: <b>%{{y:,d}}</b> records in the last {Cli(snapshot.Options.Window)}<extra>%{{fullData.name}}</extra>");
        }
        return Figure(traces, $"Records in the last {Cli(snapshot.Options.Window)} (processing time)", snapshot);
    }

    private static JsonNode Figure(IReadOnlyList<Trace> traces, string title, StreamCountsSnapshot snapshot)
    {
        // One bucket alone would get a range of a few milliseconds: show the window it starts.
        var starts = snapshot.BucketStarts;
        var range = starts.Count == 1 ? (starts[0] - snapshot.Options.Bucket, starts[0] + snapshot.Options.Window) : ((DateTimeOffset, DateTimeOffset)?)null;
        var layout = DashboardFigures.TimeLineLayout(title, "bucket start (UTC)", "%H:%M:%S", "records", range);
        layout.SetProperty("margin", new { l = 56, r = 16, t = 44, b = 40 });
        // Keeps the user's zoom and legend clicks when the next update arrives.
        layout.SetProperty("uirevision", title);
        // No Plotly.NET defaults: their fixed width and height would keep the chart from filling its card.
        var chart = GenericChart.ofTraceObjects(false, traces.ToList());
        return PlotlyFigure.ToJson(GenericChart.addLayout(layout, chart));
    }

    private static string Cli(TimeSpan duration) => Core.Cli.Duration.Format(duration);
}
