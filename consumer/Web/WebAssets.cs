using System.Reflection;
using TopUpSpark.Web;
using TopUpSpark.Web.Map;

namespace TopUpSpark.Consumer.Web;

/// <summary>
/// The files the dashboard serves: the page itself (web/page), embedded in this assembly at build time; plotly.js and
/// the pages' shared script and style (TopUpSpark.Web's <see cref="SharedAssets"/>, shared with the job's UI); the world
/// TopoJSON plotly.js loads, the Indian states' GeoJSON and the third-party notices (TopUpSpark.Web's
/// <see cref="MapAssets"/>, shared with the notebooks' map). Nothing is fetched at run time.
/// </summary>
public static class WebAssets
{
    public const string PlotlyScript = "assets/" + SharedAssets.Plotly;
    public const string WorldTopoJson = "assets/topojson/" + MapAssets.WorldTopoJson;
    /// <summary>Where the map figure says its GeoJSON is.</summary>
    public const string IndiaGeoJson = MapAssets.IndiaGeoJsonUrl;
    public const string ThirdPartyNotices = "assets/" + MapAssets.ThirdPartyNotices;
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
        if (path == WorldTopoJson) return MapAssets.Read(MapAssets.WorldTopoJson);
        if (path == IndiaGeoJson) return MapAssets.Read(MapAssets.IndiaGeoJson);
        if (path == ThirdPartyNotices) return MapAssets.Read(MapAssets.ThirdPartyNotices);
        lock (Gate)
        {
            if (Cache.TryGetValue(path, out var cached)) return cached;
            using var stream = Assembly.GetManifestResourceStream("web/" + path)
                ?? throw new InvalidOperationException(
                    $"web asset '{path}' is not embedded in {Assembly.GetName().Name}; the consumer's build embeds consumer/web/page");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return Cache[path] = buffer.ToArray();
        }
    }

    public static string ReadText(string path) => System.Text.Encoding.UTF8.GetString(Read(path));
}
