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

    private static readonly Dictionary<string, Lazy<byte[]>> Files = ContentTypes.Keys.ToDictionary(name => name, name => new Lazy<byte[]>(() =>
    {
        using var stream = typeof(SharedAssets).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in TopUpSpark.Web; its build takes it from core/TopUpSpark.Web (plotly.js: npm ci in web/)");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }), StringComparer.Ordinal);

    public static byte[] Read(string name) =>
        Files.TryGetValue(name, out var file) ? file.Value : throw new ArgumentException($"'{name}' is not one of TopUpSpark.Web's shared files", nameof(name));
}
