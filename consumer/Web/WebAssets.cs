using System.Reflection;
using TopUpSpark.Web;

namespace TopUpSpark.Consumer.Web;

/// <summary>
/// The files the dashboard serves, embedded in this assembly at build time: the page itself
/// (web/page), plotly.js and the pages' shared script and style (from TopUpSpark.Web, shared with the job's UI), the world TopoJSON plotly.js loads, the Indian states' GeoJSON and the
/// third-party notices (from web/node_modules, see the project file). Nothing is fetched at run time.
/// </summary>
public static class WebAssets
{
    public const string PlotlyScript = "assets/" + SharedAssets.Plotly;
    public const string WorldTopoJson = "assets/topojson/world_110m.json";
    public const string IndiaGeoJson = "assets/india-states.geojson";
    public const string ThirdPartyNotices = "assets/THIRD-PARTY-NOTICES.txt";
    public const string PageTemplate = "index.html";
    public const string PageScript = "dashboard.js";
    /// <summary>What the map's and the streams page's scripts share (with the job's UI); loaded before either.</summary>
    public const string SharedScript = SharedAssets.PageScript;
    /// <summary>What the pages' styles share (with the job's UI); loaded before <see cref="PageStyle"/>.</summary>
    public const string SharedStyle = SharedAssets.PageStyle;
    public const string PageStyle = "dashboard.css";
    public const string StreamsPage = "streams.html";
    public const string StreamsScript = "streams.js";

    /// <summary>The folder plotly.js's <c>config.topojsonURL</c> points at (it appends <c>world_110m.json</c>).</summary>
    public const string TopoJsonFolder = "assets/topojson/";

    private static readonly Assembly Assembly = typeof(WebAssets).Assembly;
    private static readonly Dictionary<string, byte[]> Cache = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    /// <summary>Every servable path (relative, no leading slash) with its content type.</summary>
    public static IReadOnlyDictionary<string, string> ContentTypes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [PlotlyScript] = SharedAssets.ContentTypes[SharedAssets.Plotly],
        [WorldTopoJson] = "application/json",
        [IndiaGeoJson] = "application/geo+json",
        [ThirdPartyNotices] = "text/plain; charset=utf-8",
        [PageScript] = "text/javascript; charset=utf-8",
        [SharedScript] = SharedAssets.ContentTypes[SharedAssets.PageScript],
        [SharedStyle] = SharedAssets.ContentTypes[SharedAssets.PageStyle],
        [PageStyle] = "text/css; charset=utf-8",
        [StreamsScript] = "text/javascript; charset=utf-8",
    };

    public static byte[] Read(string path)
    {
        if (path == PlotlyScript) return SharedAssets.Read(SharedAssets.Plotly);
        if (path is SharedScript or SharedStyle) return SharedAssets.Read(path);
        lock (Gate)
        {
            if (Cache.TryGetValue(path, out var cached)) return cached;
            using var stream = Assembly.GetManifestResourceStream("web/" + path)
                ?? throw new InvalidOperationException(
                    $"web asset '{path}' is not embedded in {Assembly.GetName().Name}; the consumer's build prepares it from consumer/web (npm ci)");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return Cache[path] = buffer.ToArray();
        }
    }

    public static string ReadText(string path) => System.Text.Encoding.UTF8.GetString(Read(path));
}
