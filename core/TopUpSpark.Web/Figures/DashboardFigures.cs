using System.Globalization;
using System.Text.Json.Nodes;
using Plotly.NET;
using Plotly.NET.LayoutObjects;
using TopUpSpark.Core.Messages;
using TopUpSpark.Web.Map;
using static TopUpSpark.Web.PlotlyFigure;
using PlotlyChart = Plotly.NET.CSharp.Chart;

namespace TopUpSpark.Web.Figures;

/// <summary>
/// The dashboard's two Plotly.NET figures as plotly.js JSON (<c>{data, layout}</c>): the choropleth of
/// India with the newest window's counts, and the line of predicted top-ups per window. Every text that
/// comes from data is HTML-escaped before plotly.js sees it (plotly.js renders a little HTML in labels).
/// </summary>
public static class DashboardFigures
{
    private const string NeutralFill = "#e4e9ef";
    private const string Outline = "#7d8b9c";

    /// <summary>Light amber to deep crimson: more predicted top-ups, warmer and darker.</summary>
    private static readonly (double Stop, string Colour)[] CountScale =
        [(0.0, "#fde7b0"), (0.35, "#f8a65b"), (0.7, "#e0523c"), (1.0, "#9b1832")];

    /// <param name="colourScaleMax">
    /// The count the darkest shade stands for: the dashboard gives the largest of its shown history, so colours compare across
    /// windows; null: this window's largest count.
    /// </param>
    public static JsonNode Map(IndiaMap map, WindowCounts? window, string topic, long? colourScaleMax = null)
    {
        var counted = window?.Regions ?? [];
        var countedNames = counted.Select(r => r.Region).ToHashSet(StringComparer.Ordinal);
        var zMax = Math.Max(1, Math.Max(colourScaleMax ?? 0, counted.Count == 0 ? 1 : counted.Max(r => r.Count)));

        // Every region, in a neutral colour, under the counts: all outlines stay visible.
        var allRegions = map.Regions.Select(r => r.Name).ToList();
        var outlines = PlotlyChart.ChoroplethMap<int, string>(
            locations: allRegions,
            z: allRegions.Select(_ => 0),
            Name: "no predicted top-ups",
            ShowLegend: true,
            GeoJson: MapAssets.IndiaGeoJsonUrl,
            FeatureIdKey: IndiaMap.FeatureIdKey,
            MultiText: allRegions.Select(name => countedNames.Contains(name)
                ? $"<b>{Html(name)}</b>"
                : $"<b>{Html(name)}</b><br>no predicted top-ups in this window").ToArray(),
            ColorScale: StyleParam.Colorscale.NewCustom([Tuple.Create(0.0, Color.fromString(NeutralFill)), Tuple.Create(1.0, Color.fromString(NeutralFill))]),
            ShowScale: false,
            UseDefaults: false);
        var charts = new List<GenericChart> { outlines };

        if (counted.Count > 0)
        {
            charts.Add(PlotlyChart.ChoroplethMap<long, string>(
                locations: counted.Select(r => r.Region),
                z: counted.Select(r => r.Count),
                Name: "predicted top-ups",
                ShowLegend: false,
                GeoJson: MapAssets.IndiaGeoJsonUrl,
                FeatureIdKey: IndiaMap.FeatureIdKey,
                MultiText: counted.Select(r =>
                    $"<b>{Html(r.Region)}</b><br>{r.Count:N0} predicted top-up{(r.Count == 1 ? "" : "s")}<br>in the data as {Html(r.DataNamesText())}").ToArray(),
                ColorScale: StyleParam.Colorscale.NewCustom(CountScale.Select(s => Tuple.Create(s.Stop, Color.fromString(s.Colour)))),
                ShowScale: true,
                UseDefaults: false));
            charts.Add(PlotlyChart.ScatterGeo<double, double, string>(
                longitudes: counted.Select(r => map[r.Region].LabelLongitude),
                latitudes: counted.Select(r => map[r.Region].LabelLatitude),
                mode: StyleParam.Mode.Text,
                Name: "labels",
                ShowLegend: false,
                MultiText: counted.Select(r => $"{Html(r.Region)}<br><b>{r.Count:N0}</b>").ToArray(),
                UseDefaults: false));
        }

        var chart = PlotlyChart.Combine(charts);
        var traces = GenericChart.getTraces(chart).ToList();
        foreach (var choropleth in traces.Take(counted.Count > 0 ? 2 : 1))
        {
            choropleth.SetProperty("hovertemplate", "%{text}<extra></extra>");
            choropleth.SetProperty("marker", new { line = new { color = Outline, width = 0.8 } });
            choropleth.SetProperty("zmin", 0);
        }
        traces[0].SetProperty("zmax", 1);
        traces[0].SetProperty("legendrank", 2);
        if (counted.Count > 0)
        {
            traces[1].SetProperty("zmax", zMax);
            var colorBar = new Dictionary<string, object>
            {
                ["title"] = new { text = "Predicted<br>top-ups", side = "top" },
                ["thickness"] = 14,
                ["len"] = 0.55,
                ["y"] = 0.45,
                ["outlinewidth"] = 0,
                ["tickformat"] = ",d",
            };
            // Whole numbers only: with small counts plotly.js would otherwise tick at halves.
            if (zMax <= 10) colorBar["dtick"] = 1;
            traces[1].SetProperty("colorbar", colorBar);
            // Dark text everywhere; dashboard.css gives it a light halo, so it reads on any fill and across borders.
            traces[2].SetProperty("textfont", new { family = FontFamily, size = 11, color = InkColour });
            traces[2].SetProperty("hoverinfo", "skip");
        }

        var title = window is null
            ? $"Waiting for the first window on {Html(topic)}…"
            : $"Predicted top-ups by state · window ending <b>{StateCountsMessage.FormatKey(window.WindowEnd)} UTC</b> · total <b>{window.Total:N0}</b>";
        var geo = new Geo();
        geo.SetProperty("fitbounds", "locations");
        geo.SetProperty("visible", false);
        geo.SetProperty("projection", new { type = "mercator" });
        geo.SetProperty("bgcolor", "rgba(0,0,0,0)");
        var layout = BaseLayout(title);
        layout.SetProperty("geo", geo);
        layout.SetProperty("margin", new { l = 8, r = 8, t = 48, b = 8 });
        layout.SetProperty("legend", new { x = 0.01, y = 0.02, bgcolor = "rgba(255,255,255,0.8)", font = new { size = 12 } });
        // Keeps the user's zoom and pan when the next window arrives.
        layout.SetProperty("uirevision", "india");
        return ToJson(GenericChart.addLayout(layout, chart));
    }

    public static JsonNode History(IReadOnlyList<WindowTotal> history, int capacity)
    {
        var chart = PlotlyChart.Line<string, long, string>(
            x: history.Select(h => Timestamp(h.WindowEnd)),
            y: history.Select(h => h.Total),
            ShowMarkers: true,
            Name: "predicted top-ups",
            ShowLegend: false,
            UseDefaults: false);
        foreach (var trace in GenericChart.getTraces(chart))
        {
            trace.SetProperty("line", new { color = "#2f6db5", width = 2.5, shape = "linear" });
            trace.SetProperty("marker", new { color = "#2f6db5", size = 7 });
            trace.SetProperty("fill", "tozeroy");
            trace.SetProperty("fillcolor", "rgba(47,109,181,0.12)");
            trace.SetProperty("hovertemplate", "window ending %{x|%Y-%m-%d %H:%M:%S} UTC<br><b>%{y:,d}</b> predicted top-ups<extra></extra>");
        }
        // One point alone would get a range of a second or two, with repeated tick labels.
        var range = history.Count == 1 ? (history[0].WindowEnd.AddMinutes(-1), history[0].WindowEnd.AddMinutes(1)) : ((DateTimeOffset, DateTimeOffset)?)null;
        var layout = TimeLineLayout($"Predicted top-ups per window (last {capacity:N0} windows)", "window end (UTC)", "%H:%M:%S\n%b %d", "top-ups", range);
        layout.SetProperty("margin", new { l = 48, r = 16, t = 44, b = 40 });
        if (history.Count == 0) ShowNothingYet(layout, "No window yet: a point per window as the job publishes them");
        return ToJson(GenericChart.addLayout(layout, chart));
    }

    /// <summary>The layout of a line chart over time, in the dashboard's look: counts from zero, whole numbers.</summary>
    /// <param name="range">A fixed time range, or null to fit the data.</param>
    public static Layout TimeLineLayout(string title, string xTitle, string tickFormat, string yTitle, (DateTimeOffset From, DateTimeOffset To)? range)
    {
        var layout = BaseLayout(title);
        var xAxis = new Dictionary<string, object>
        {
            ["type"] = "date",
            ["title"] = new { text = xTitle },
            ["gridcolor"] = GridColour,
            ["tickformat"] = tickFormat,
        };
        // The range is set either way, since plotly.js keeps a range it was given when a later layout leaves it out.
        if (range is var (from, to))
            xAxis["range"] = new[] { Timestamp(from), Timestamp(to) };
        else
            xAxis["autorange"] = true;
        layout.SetProperty("xaxis", xAxis);
        layout.SetProperty("yaxis", new { title = new { text = yTitle }, rangemode = "tozero", gridcolor = GridColour, tickformat = ",d", zeroline = false });
        layout.SetProperty("plot_bgcolor", "rgba(0,0,0,0)");
        return layout;
    }

    public static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
