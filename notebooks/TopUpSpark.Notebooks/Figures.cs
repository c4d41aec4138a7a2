using System.Net;
using TopUpSpark.Core.Messages;

namespace TopUpSpark.Notebooks;

/// <summary>
/// The dashboard's Plotly.NET figures for a notebook cell: each is a self-contained HTML fragment (plotly.js
/// inline, nothing fetched). They work in a .NET Interactive kernel
/// whose own FSharp.Core is older than Plotly.NET's (see <see cref="PlotlyLoadContext"/>).
/// </summary>
public static class Figures
{
    /// <summary>The dashboard's choropleth of India for one window; state names go through the alias table (core/TopUpSpark.Web/Map/state-aliases.json).</summary>
    public static HtmlFragment Map(StateCountsMessage window, string stateAliasesFile) =>
        new(PlotlyLoadContext.Call(nameof(PlotlyFigures.Map), window, stateAliasesFile));

    /// <summary>The dashboard's line chart of predicted top-ups per window.</summary>
    public static HtmlFragment WindowHistory(IEnumerable<(DateTimeOffset WindowEnd, long Total)> windows)
    {
        var ordered = windows.OrderBy(w => w.WindowEnd).ToArray();
        return new(PlotlyLoadContext.Call(nameof(PlotlyFigures.WindowHistory), ordered.Select(w => w.WindowEnd).ToArray(), ordered.Select(w => w.Total).ToArray()));
    }

    /// <summary>A column chart, one bar per category, in the dashboard's look.</summary>
    public static HtmlFragment Bars(string title, string categoryTitle, string valueTitle, IEnumerable<(string Category, double Value)> bars)
    {
        var list = bars.ToArray();
        return new(PlotlyLoadContext.Call(nameof(PlotlyFigures.Bars), title, categoryTitle, valueTitle, list.Select(b => b.Category).ToArray(), list.Select(b => b.Value).ToArray()));
    }

    /// <summary>
    /// An SVG file (e.g. docs/pipeline.svg) as an image. As an <c>img</c> with a data URI rather than an
    /// <c>image/svg+xml</c> output, which nbconvert's HTML export strips down to its text.
    /// </summary>
    public static HtmlFragment Svg(string path, string description) =>
        new($"""<img alt="{WebUtility.HtmlEncode(description)}" style="max-width:100%" src="data:image/svg+xml;base64,{Convert.ToBase64String(File.ReadAllBytes(path))}">""");
}
