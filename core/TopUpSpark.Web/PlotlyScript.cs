namespace TopUpSpark.Web;

/// <summary>plotly.js (npm <c>plotly.js-dist-min</c>, MIT), embedded at build time from web/package-lock.json: pages serve it themselves, nothing is fetched at run time.</summary>
public static class PlotlyScript
{
    public const string ContentType = "text/javascript; charset=utf-8";

    private static readonly Lazy<byte[]> Bytes = new(() =>
    {
        using var stream = typeof(PlotlyScript).Assembly.GetManifestResourceStream("plotly.min.js")
            ?? throw new InvalidOperationException("plotly.min.js is not embedded in TopUpSpark.Web; its build installs it from core/TopUpSpark.Web/web (npm ci)");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    });

    public static byte[] Read() => Bytes.Value;
}
