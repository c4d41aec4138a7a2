using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TopUpSpark.Consumer.Dashboard;
using TopUpSpark.Consumer.Map;
using TopUpSpark.Core;
using TopUpSpark.Core.Messages;

namespace TopUpSpark.Consumer.Web;

/// <summary>
/// The dashboard's HTML, from one template (web/page/index.html) in two forms: the live page, which
/// loads its scripts from the server, and the self-contained --html snapshot, which inlines plotly.js,
/// the page script, the data and the geography, so it opens offline from a file. Plus the map of one
/// window alone as a fragment, for pages that are not the dashboard (a notebook cell's output).
/// </summary>
public static class DashboardPage
{
    /// <summary>
    /// Sent with every response of the live server. Scripts only from the dashboard itself (no inline
    /// script, no eval); inline styles are allowed because plotly.js styles the SVG it draws.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private const string HeadSlot = "<!--HEAD-->";
    private const string ScriptsSlot = "<!--SCRIPTS-->";

    public static string Live() => Fill(
        $"""
         <link rel="stylesheet" href="{WebAssets.SharedStyle}">
         <link rel="stylesheet" href="{WebAssets.PageStyle}">
         """,
        $"""
         <script src="{WebAssets.PlotlyScript}"></script>
         <script src="{WebAssets.SharedScript}"></script>
         <script src="{WebAssets.PageScript}"></script>
         """);

    /// <param name="payloadJson">The page's data, as <see cref="Dashboard.DashboardPayload"/> wrote it.</param>
    public static string Snapshot(string payloadJson)
    {
        var plotly = InlineScript(WebAssets.ReadText(WebAssets.PlotlyScript));
        var shared = InlineScript(WebAssets.ReadText(WebAssets.SharedScript));
        var script = InlineScript(WebAssets.ReadText(WebAssets.PageScript));
        // Only the three inline scripts, identified by their hashes, may run; the data blocks are inert JSON.
        var policy = $"default-src 'none'; script-src 'sha256-{Sha256(plotly)}' 'sha256-{Sha256(shared)}' 'sha256-{Sha256(script)}'; " +
                     "style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'";
        var notices = WebAssets.ReadText(WebAssets.ThirdPartyNotices);
        if (notices.Contains("--", StringComparison.Ordinal))
            notices = notices.Replace("--", "- -", StringComparison.Ordinal);
        return Fill(
            $"""
             <meta http-equiv="Content-Security-Policy" content="{policy}">
             <style>{WebAssets.ReadText(WebAssets.SharedStyle)}{WebAssets.ReadText(WebAssets.PageStyle)}</style>
             """,
            $"""
             {JsonBlock("dashboard-data", payloadJson)}
             {JsonBlock("india-geojson", WebAssets.ReadText(WebAssets.IndiaGeoJson))}
             {JsonBlock("world-topojson", WebAssets.ReadText(WebAssets.WorldTopoJson))}
             <script>{plotly}</script>
             <script>{shared}</script>
             <script>{script}</script>
             <!--
             {notices}
             -->
             """);
    }

    /// <summary>
    /// The map of one window as a self-contained HTML fragment that draws itself wherever it is inserted
    /// (e.g. <c>display(HTML(…))</c> in a Polyglot notebook): the dashboard's Plotly.NET figure, plotly.js
    /// and both geographies inline, nothing fetched. Each call gets its own element id, so several maps
    /// can share a page.
    /// </summary>
    public static string MapFragment(StateCountsMessage message, IndiaMap map, StateAliasTable aliases) =>
        Fragment(DashboardFigures.Map(map, StateCountsProcessor.ToRegions(message, aliases), Topics.TopUpByState), withGeography: true, heightPixels: 560);

    /// <summary>Any Plotly.NET figure (e.g. <see cref="DashboardFigures.History"/>) as a self-contained fragment like <see cref="MapFragment"/>, without the geographies.</summary>
    public static string FigureFragment(JsonNode figure, int heightPixels = 420) => Fragment(figure, withGeography: false, heightPixels);

    private static string Fragment(JsonNode figure, bool withGeography, int heightPixels)
    {
        var id = $"topup-figure-{Guid.NewGuid():N}";
        var geography = withGeography
            ? $$"""
                const assets = window.PlotlyGeoAssets = window.PlotlyGeoAssets || {};
                assets.topojson = assets.topojson || {};
                assets.topojson.world_110m = read("world");
                assets[{{JsonSerializer.Serialize(WebAssets.IndiaGeoJson)}}] = read("india");
              """
            : "";
        // plotly.js registers as an AMD module where require.js is loaded (classic Jupyter): hide `define`
        // while it runs so it sets window.Plotly, as on every other page.
        var script = InlineScript(
            $$"""
              if (!window.Plotly) {
                const amdDefine = window.define;
                window.define = undefined;
                try {
              {{WebAssets.ReadText(WebAssets.PlotlyScript)}}
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
               {JsonBlock(id + "-india", WebAssets.ReadText(WebAssets.IndiaGeoJson))}
               {JsonBlock(id + "-world", WebAssets.ReadText(WebAssets.WorldTopoJson))}
               """
            : "";
        return $"""
                <div id="{id}" style="width:100%;height:{heightPixels}px"></div>
                {JsonBlock(id + "-figure", figure.ToJsonString())}
                {geographyBlocks}
                <script>{script}</script>
                """;
    }

    private static string Fill(string head, string scripts)
    {
        var template = WebAssets.ReadText(WebAssets.PageTemplate);
        if (!template.Contains(HeadSlot, StringComparison.Ordinal) || !template.Contains(ScriptsSlot, StringComparison.Ordinal))
            throw new InvalidOperationException($"the page template lacks {HeadSlot} or {ScriptsSlot}");
        return template.Replace(HeadSlot, head, StringComparison.Ordinal).Replace(ScriptsSlot, scripts, StringComparison.Ordinal);
    }

    /// <summary>
    /// JSON inside a non-executed script element. '&lt;' only occurs inside JSON strings, where \u003c
    /// means the same, so no "&lt;/script&gt;" in the data can end the element early.
    /// </summary>
    private static string JsonBlock(string id, string json) =>
        $"""<script type="application/json" id="{id}">{json.Replace("<", "\\u003c", StringComparison.Ordinal)}</script>""";

    private static string InlineScript(string code)
    {
        if (code.Contains("</script", StringComparison.OrdinalIgnoreCase) || code.Contains("<!--", StringComparison.Ordinal))
            throw new InvalidOperationException("a script to inline contains '</script' or '<!--', which would end or confuse its element");
        return code;
    }

    private static string Sha256(string code) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(code)));
}
