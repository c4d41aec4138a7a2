using System.Text.Json;
using System.Text.Json.Serialization;

namespace TopUpSpark.Scoring.Spark;

/// <summary>
/// The self-contained file <c>topup-models import-spark</c> writes: a JSON envelope naming the format and
/// its version, when and from where the model was imported, and the <see cref="SparkPipelineDefinition"/>.
/// Doubles are written shortest-round-trip, so every threshold and leaf value reads back bit for bit.
/// </summary>
public static class SparkPipelineFile
{
    public const string FormatName = "topupspark-spark-pipeline";
    public const int FormatVersion = 1;

    public sealed record Envelope(
        string Format,
        int FormatVersion,
        DateTimeOffset ImportedAtUtc,
        string Source,
        SparkPipelineDefinition Pipeline);

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
        AllowOutOfOrderMetadataProperties = true,
    };

    public static void Write(string path, SparkPipelineDefinition pipeline, string source, DateTimeOffset importedAtUtc)
    {
        var envelope = new Envelope(FormatName, FormatVersion, importedAtUtc.ToUniversalTime(), source, pipeline);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        var temporary = path + ".tmp";
        using (var stream = File.Create(temporary))
        {
            JsonSerializer.Serialize(stream, envelope, JsonOptions);
        }
        File.Move(temporary, path, overwrite: true);
    }

    public static Envelope Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream);
            return Parse(document.RootElement, path);
        }
        catch (JsonException e)
        {
            throw new ModelFileException($"{path}: not a valid converted Spark pipeline file: {e.Message}", e);
        }
    }

    internal static Envelope Parse(JsonElement root, string path)
    {
        var format = root.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        if (format != FormatName)
            throw new ModelFileException($"{path}: JSON file is not a converted Spark pipeline (format '{format ?? "missing"}', expected '{FormatName}')");
        var version = root.TryGetProperty("formatVersion", out var v) && v.TryGetInt32(out var n) ? n : -1;
        if (version != FormatVersion)
            throw new ModelFileException($"{path}: converted Spark pipeline format version {version} is not supported (this build reads version {FormatVersion}); re-run topup-models import-spark");
        var envelope = root.Deserialize<Envelope>(JsonOptions)
            ?? throw new ModelFileException($"{path}: empty converted Spark pipeline file");
        if (envelope.Pipeline?.Stages is null || envelope.Pipeline.Stages.Count == 0)
            throw new ModelFileException($"{path}: the converted Spark pipeline has no stages");
        return envelope;
    }
}
