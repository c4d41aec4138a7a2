using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;

namespace TopUpSpark.Scoring.MlNet;

/// <summary>
/// The file <c>topup-models train</c> writes: a zip holding <c>manifest.json</c> (format, inputs, trainer,
/// decision threshold, model card) and <c>mlnet-model.zip</c> (the ML.NET model as ML.NET saves it).
/// </summary>
public static class MlNetModelFile
{
    public const string FormatName = "topupspark-mlnet";
    public const int FormatVersion = 1;
    public const string ManifestEntry = "manifest.json";
    public const string ModelEntry = "mlnet-model.zip";

    /// <summary>What scoring needs besides the ML.NET model; <see cref="Card"/> is the model card, kept for describe.</summary>
    public sealed record Manifest(
        string Format,
        int FormatVersion,
        string Trainer,
        IReadOnlyList<string> NumericInputs,
        IReadOnlyList<string> CategoricalInputs,
        double Threshold,
        DateTimeOffset TrainedAtUtc,
        JsonObject? Card)
    {
        /// <exception cref="ArgumentException">A row with other numbers of inputs than the model's.</exception>
        internal void RequireRow(int numericCount, int categoricalCount)
        {
            if (numericCount != NumericInputs.Count || categoricalCount != CategoricalInputs.Count)
                throw new ArgumentException(
                    $"expected {NumericInputs.Count} numeric and {CategoricalInputs.Count} categorical inputs, got {numericCount} and {categoricalCount}");
        }

        /// <summary>The model kind for logs and describe: the trainer, then how rows are scored.</summary>
        internal string Kind(string scorer) => $"mlnet-{Trainer.ToLowerInvariant()} ({scorer})";
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(string path, MLContext context, ITransformer model, DataViewSchema inputSchema, Manifest manifest)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        var temporary = path + ".tmp";
        using (var file = File.Create(temporary))
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
        {
            using (var entry = zip.CreateEntry(ManifestEntry).Open())
                JsonSerializer.Serialize(entry, manifest, JsonOptions);
            using var modelBytes = new MemoryStream();
            context.Model.Save(model, inputSchema, modelBytes);
            using var modelEntry = zip.CreateEntry(ModelEntry, CompressionLevel.NoCompression).Open();
            modelBytes.Position = 0;
            modelBytes.CopyTo(modelEntry);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Loads the model compiled into the flat-array scorer when <see cref="MlNetModelCompiler"/> can reproduce it
    /// exactly, otherwise on ML.NET's prediction engine, with the reason in its <see cref="ITopUpModel.Kind"/>.
    /// </summary>
    public static IMlNetTopUpModel Load(string path)
    {
        var saved = Read(path);
        var (compiled, whyNot) = MlNetModelCompiler.Compile(saved.Context, saved.Model, saved.InputSchema, saved.Manifest);
        return compiled as IMlNetTopUpModel ?? new MlNetTopUpModel(saved.Context, saved.Model, saved.Manifest, "ML.NET engine: " + whyNot);
    }

    /// <summary>Loads the model on ML.NET's prediction engine, never compiled: the reference the compiled scorer is held to.</summary>
    public static MlNetTopUpModel LoadEngine(string path)
    {
        var saved = Read(path);
        return new MlNetTopUpModel(saved.Context, saved.Model, saved.Manifest, "ML.NET engine");
    }

    private sealed record SavedModel(MLContext Context, ITransformer Model, DataViewSchema InputSchema, Manifest Manifest);

    private static SavedModel Read(string path)
    {
        using var zip = OpenZip(path);
        var manifest = ReadManifest(zip, path);
        var entry = zip.GetEntry(ModelEntry) ?? throw new ModelFileException($"{path}: ML.NET model file has no {ModelEntry}");
        var context = new MLContext(seed: 0);
        using var modelBytes = new MemoryStream();
        using (var stream = entry.Open()) stream.CopyTo(modelBytes);
        modelBytes.Position = 0;
        try
        {
            var model = context.Model.Load(modelBytes, out var inputSchema);
            return new SavedModel(context, model, inputSchema, manifest);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidDataException or IOException)
        {
            throw new ModelFileException($"{path}: the ML.NET model inside cannot be loaded: {e.Message}", e);
        }
    }

    private static ZipArchive OpenZip(string path)
    {
        try
        {
            return ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new ModelFileException($"{path}: not a valid ML.NET model file (zip): {e.Message}", e);
        }
    }

    private static Manifest ReadManifest(ZipArchive zip, string path)
    {
        var entry = zip.GetEntry(ManifestEntry)
            ?? throw new ModelFileException($"{path}: zip file has no {ManifestEntry}; it was not written by topup-models train");
        Manifest? manifest;
        try
        {
            using var stream = entry.Open();
            manifest = JsonSerializer.Deserialize<Manifest>(stream, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new ModelFileException($"{path}: {ManifestEntry} is not valid: {e.Message}", e);
        }
        if (manifest is null || manifest.Format != FormatName)
            throw new ModelFileException($"{path}: {ManifestEntry} has format '{manifest?.Format ?? "missing"}', expected '{FormatName}'");
        if (manifest.FormatVersion != FormatVersion)
            throw new ModelFileException($"{path}: ML.NET model format version {manifest.FormatVersion} is not supported (this build reads {FormatVersion})");
        return manifest;
    }
}
