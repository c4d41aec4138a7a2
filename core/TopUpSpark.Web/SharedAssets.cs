namespace TopUpSpark.Web;

/// <summary>
/// The files every TopUpSpark page loads, embedded in this assembly: plotly.js (npm <c>plotly.js-dist-min</c>, MIT,
/// installed at build time from web/package-lock.json), and the pages' shared script and style (page/). Served by the
/// programs themselves; nothing is fetched at run time.
/// </summary>
public static class SharedAssets
{
    public const string Plotly = "plotly.min.js";

    /// <summary><c>window.TopUpPage</c>: element lookup, text-only DOM builders, UTC times, the live badge, newest-payload rendering.</summary>
    public const string PageScript = "page.js";

    /// <summary>Colours, header bar, live badge, cards and footer; each page's own style follows it.</summary>
    public const string PageStyle = "page.css";

    /// <summary>Each shared file with its content type.</summary>
    public static IReadOnlyDictionary<string, string> ContentTypes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Plotly] = "text/javascript; charset=utf-8",
        [PageScript] = "text/javascript; charset=utf-8",
        [PageStyle] = "text/css; charset=utf-8",
    };

    private static readonly EmbeddedFiles Files =
        new(ContentTypes.Keys, resourcePrefix: "", "its build takes it from core/TopUpSpark.Web (plotly.js: npm ci in web/)", "shared files");

    public static byte[] Read(string name) => Files.Read(name);
}
