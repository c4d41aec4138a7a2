using System.Security.Cryptography;
using System.Text;
using static TopUpSpark.Web.InlineHtml;

namespace TopUpSpark.Consumer.Web;

/// <summary>
/// The dashboard's HTML, from one template (web/page/index.html) in two forms: the live page, which
/// loads its scripts from the server, and the self-contained --html snapshot, which inlines plotly.js,
/// the page script, the data and the geography, so it opens offline from a file. (The map of one window
/// alone, for pages that are not the dashboard, is TopUpSpark.Web's <see cref="TopUpSpark.Web.Figures.FigureFragment"/>.)
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
        var plotly = Script(WebAssets.ReadText(WebAssets.PlotlyScript));
        var shared = Script(WebAssets.ReadText(WebAssets.SharedScript));
        var script = Script(WebAssets.ReadText(WebAssets.PageScript));
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

    private static string Fill(string head, string scripts)
    {
        var template = WebAssets.ReadText(WebAssets.PageTemplate);
        if (!template.Contains(HeadSlot, StringComparison.Ordinal) || !template.Contains(ScriptsSlot, StringComparison.Ordinal))
            throw new InvalidOperationException($"the page template lacks {HeadSlot} or {ScriptsSlot}");
        return template.Replace(HeadSlot, head, StringComparison.Ordinal).Replace(ScriptsSlot, scripts, StringComparison.Ordinal);
    }

    private static string Sha256(string code) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(code)));
}
