using Plotly.NET;
using TopUpSpark.Core.Messages;
using TopUpSpark.Web;
using TopUpSpark.Web.Figures;
using TopUpSpark.Web.Map;
using PlotlyChart = Plotly.NET.CSharp.Chart;

namespace TopUpSpark.Notebooks;

/// <summary>The figures, as HTML fragments; runs only inside <see cref="PlotlyLoadContext"/>, called through <see cref="Figures"/>.</summary>
internal static class PlotlyFigures
{
    public static string Map(StateCountsMessage window, string stateAliasesFile)
    {
        var map = IndiaMap.Load();
        return FigureFragment.Map(window, map, StateAliasTable.Load(stateAliasesFile, map.RegionNames));
    }

    public static string WindowHistory(DateTimeOffset[] windowEnds, long[] totals) =>
        FigureFragment.Of(DashboardFigures.History(windowEnds.Zip(totals, (end, total) => new WindowTotal(end, total, LargestRegionCount: 0)).ToList(), windowEnds.Length));

    public static string Bars(string title, string categoryTitle, string valueTitle, string[] categories, double[] values)
    {
        var chart = PlotlyChart.Column<double, string, string>(values: values, Keys: categories, Name: valueTitle, ShowLegend: false, UseDefaults: false);
        foreach (var trace in GenericChart.getTraces(chart))
        {
            trace.SetProperty("marker", new { color = "#2f6db5" });
            trace.SetProperty("hovertemplate", $"%{{x}}<br><b>%{{y:,}}</b> {PlotlyFigure.Html(valueTitle)}<extra></extra>");
        }
        var layout = PlotlyFigure.BaseLayout(title);
        layout.SetProperty("xaxis", new { title = new { text = categoryTitle }, type = "category", automargin = true });
        layout.SetProperty("yaxis", new { title = new { text = valueTitle }, rangemode = "tozero", gridcolor = PlotlyFigure.GridColour });
        layout.SetProperty("plot_bgcolor", "rgba(0,0,0,0)");
        layout.SetProperty("margin", new { l = 56, r = 16, t = 44, b = 40 });
        return FigureFragment.Of(PlotlyFigure.ToJson(GenericChart.addLayout(layout, chart)));
    }
}
