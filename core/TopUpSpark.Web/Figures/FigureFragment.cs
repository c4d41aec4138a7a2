using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TopUpSpark.Core;
using TopUpSpark.Core.Messages;
using TopUpSpark.Web.Map;
using static TopUpSpark.Web.InlineHtml;

namespace TopUpSpark.Web.Figures;

/// <summary>
/// The dashboard's figures for pages that are not the dashboard (a notebook cell's output): each a self-contained
/// HTML fragment that draws itself wherever it is inserted.
/// </summary>
public static class FigureFragment
{
    /// <summary>
    /// The map of one window as a self-contained HTML fragment that draws itself wherever it is inserted
    /// (e.g. <c>display(HTML(…))</c> in a Polyglot notebook): the dashboard's Plotly.NET figure, plotly.js
    /// and both geographies inline, nothing fetched. Each call gets its own element id, so several maps
    /// can share a page.
    /// </summary>
    public static string Map(StateCountsMessage message, IndiaMap map, StateAliasTable aliases) =>
        Fragment(DashboardFigures.Map(map, WindowCounts.FromMessage(message, aliases), Topics.TopUpByState), withGeography: true, heightPixels: 560);

    /// <summary>Any Plotly.NET figure (e.g. <see cref="DashboardFigures.History"/>) as a self-contained fragment like <see cref="Map"/>, without the geographies.</summary>
    public static string Of(JsonNode figure, int heightPixels = 420) => Fragment(figure, withGeography: false, heightPixels);

    private static string Fragment(JsonNode figure, bool withGeography, int heightPixels)
    {
        var id = $"topup-figure-{Guid.NewGuid():N}";
        var geography = withGeography
            ? $$"""
                const assets = window.PlotlyGeoAssets = window.PlotlyGeoAssets || {};
                assets.topojson = assets.topojson || {};
                assets.topojson.world_110m = read("world");
                assets[{{JsonSerializer.Serialize(MapAssets.IndiaGeoJsonUrl)}}] = read("india");
              """
            : "";
        // plotly.js registers as an AMD module where require.js is loaded (classic Jupyter): hide `define`
        // while it runs so it sets window.Plotly, as on every other page.
        var script = Script(
            $$"""
              if (!window.Plotly) {
                const amdDefine = window.define;
                window.define = undefined;
                try {
              {{Encoding.UTF8.GetString(SharedAssets.Read(SharedAssets.Plotly))}}
                } finally {
                  window.define = amdDefine;
                }
              }
              (() => {
                const read = (part) => JSON.parse(document.getElementById("{{id}}-" + part).textContent);
              {{geography}}
                const figure = read("figure");
                Plotly.newPlot("{{id}}", figure.data, figure.layout, { displaylogo: false, responsive: true });
              })();
              """);
        var geographyBlocks = withGeography
            ? $"""
               {JsonBlock(id + "-india", MapAssets.ReadText(MapAssets.IndiaGeoJson))}
               {JsonBlock(id + "-world", MapAssets.ReadText(MapAssets.WorldTopoJson))}
               """
            : "";
        return $"""
                <div id="{id}" style="width:100%;height:{heightPixels}px"></div>
                {JsonBlock(id + "-figure", figure.ToJsonString())}
                {geographyBlocks}
                <script>{script}</script>
                """;
    }
}
