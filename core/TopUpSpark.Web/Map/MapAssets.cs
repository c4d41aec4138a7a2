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

    private static readonly EmbeddedFiles Files = new([IndiaGeoJson, WorldTopoJson, ThirdPartyNotices], resourcePrefix: "map/",
        "its build prepares it from core/TopUpSpark.Web/web (npm ci)", "map files");

    public static byte[] Read(string name) => Files.Read(name);

    public static string ReadText(string name) => System.Text.Encoding.UTF8.GetString(Read(name));
}
