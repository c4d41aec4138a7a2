namespace TopUpSpark.Web;

/// <summary>Named files embedded in this assembly, each read on first use and kept.</summary>
/// <param name="resourcePrefix">What precedes a name in its manifest resource name (the project file's LogicalName).</param>
/// <param name="whereFrom">Where the build takes the files from, for the error when one is missing.</param>
/// <param name="kind">What the files are, for the error when a name is none of them.</param>
internal sealed class EmbeddedFiles(IEnumerable<string> names, string resourcePrefix, string whereFrom, string kind)
{
    private readonly Dictionary<string, Lazy<byte[]>> _files = names.ToDictionary(name => name, name => new Lazy<byte[]>(() =>
    {
        using var stream = typeof(EmbeddedFiles).Assembly.GetManifestResourceStream(resourcePrefix + name)
            ?? throw new InvalidOperationException($"{name} is not embedded in TopUpSpark.Web; {whereFrom}");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }), StringComparer.Ordinal);

    public byte[] Read(string name) =>
        _files.TryGetValue(name, out var file) ? file.Value : throw new ArgumentException($"'{name}' is not one of TopUpSpark.Web's {kind}", nameof(name));
}
