namespace TopUpSpark.Web.Map;

/// <summary>
/// The geography the map draws on, embedded in this assembly at build time (from web/node_modules, see the project
/// file): the Indian states' GeoJSON, the world TopoJSON plotly.js loads for any geo plot, and the third-party notices
/// of everything this assembly embeds. Not among <see cref="SharedAssets"/>, which every page serves: only the
/// dashboard serves these. Nothing is fetched at run time.
/// </summary>
public static class MapAssets
{
    public const string IndiaGeoJson = "india-states.geojson";
    public const string WorldTopoJson = "world_110m.json";
    public const string ThirdPartyNotices = "THIRD-PARTY-NOTICES.txt";

    /// <summary>
    /// Where a page serves <see cref="IndiaGeoJson"/>: the map figure names it as its GeoJSON (plotly.js fetches it
    /// from there), and a page that inlines the geography registers it under this name.
    /// </summary>
    public const string IndiaGeoJsonUrl = "assets/" + IndiaGeoJson;

    private static readonly Dictionary<string, Lazy<byte[]>> Files = new[] { IndiaGeoJson, WorldTopoJson, ThirdPartyNotices }
        .ToDictionary(name => name, name => new Lazy<byte[]>(() =>
        {
            using var stream = typeof(MapAssets).Assembly.GetManifestResourceStream("map/" + name)
                ?? throw new InvalidOperationException($"{name} is not embedded in TopUpSpark.Web; its build prepares it from core/TopUpSpark.Web/web (npm ci)");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }), StringComparer.Ordinal);

    public static byte[] Read(string name) =>
        Files.TryGetValue(name, out var file) ? file.Value : throw new ArgumentException($"'{name}' is not one of TopUpSpark.Web's map files", nameof(name));

    public static string ReadText(string name) => System.Text.Encoding.UTF8.GetString(Read(name));
}
