using System.Text.Json;

namespace TopUpSpark.Web.Map;

/// <summary>One state or union territory as the map draws it, with the point where its label goes.</summary>
public sealed record MapRegion(string Name, double LabelLongitude, double LabelLatitude);

/// <summary>
/// The regions of the Indian states' GeoJSON the dashboard draws (36 states and union territories,
/// from react-datamaps-india), identified by <c>properties.name</c>.
/// </summary>
public sealed class IndiaMap
{
    /// <summary>The GeoJSON property that names a region; plotly's <c>featureidkey</c>.</summary>
    public const string FeatureIdKey = "properties.name";

    private readonly Dictionary<string, MapRegion> _byName;

    private IndiaMap(IReadOnlyList<MapRegion> regions)
    {
        Regions = regions;
        _byName = regions.ToDictionary(r => r.Name, StringComparer.Ordinal);
    }

    /// <summary>Regions in alphabetical order.</summary>
    public IReadOnlyList<MapRegion> Regions { get; }

    public IEnumerable<string> RegionNames => Regions.Select(r => r.Name);

    public MapRegion this[string name] => _byName[name];

    public static IndiaMap Load() => FromGeoJson(MapAssets.Read(MapAssets.IndiaGeoJson));

    public static IndiaMap FromGeoJson(ReadOnlySpan<byte> geoJson)
    {
        using var document = JsonDocument.Parse(geoJson.ToArray());
        var regions = new List<MapRegion>();
        foreach (var feature in document.RootElement.GetProperty("features").EnumerateArray())
        {
            var name = feature.GetProperty("properties").GetProperty("name").GetString()!;
            var (longitude, latitude) = LabelPoint(feature.GetProperty("geometry"));
            regions.Add(new MapRegion(name, longitude, latitude));
        }
        regions.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new IndiaMap(regions);
    }

    /// <summary>The centroid of the region's largest polygon (islands and enclaves would pull it off the mainland).</summary>
    private static (double Longitude, double Latitude) LabelPoint(JsonElement geometry)
    {
        var coordinates = geometry.GetProperty("coordinates");
        var polygons = geometry.GetProperty("type").GetString() == "MultiPolygon"
            ? coordinates.EnumerateArray().ToList()
            : [coordinates];
        var best = (Area: -1.0, Longitude: 0.0, Latitude: 0.0);
        foreach (var polygon in polygons)
        {
            var ring = polygon[0].EnumerateArray().Select(p => (X: p[0].GetDouble(), Y: p[1].GetDouble())).ToList();
            double twiceArea = 0, cx = 0, cy = 0;
            for (var i = 0; i < ring.Count - 1; i++)
            {
                var cross = ring[i].X * ring[i + 1].Y - ring[i + 1].X * ring[i].Y;
                twiceArea += cross;
                cx += (ring[i].X + ring[i + 1].X) * cross;
                cy += (ring[i].Y + ring[i + 1].Y) * cross;
            }
            var area = Math.Abs(twiceArea / 2);
            if (area <= best.Area) continue;
            best = twiceArea == 0
                ? (area, ring.Average(p => p.X), ring.Average(p => p.Y))
                : (area, cx / (3 * twiceArea), cy / (3 * twiceArea));
        }
        return (best.Longitude, best.Latitude);
    }
}
