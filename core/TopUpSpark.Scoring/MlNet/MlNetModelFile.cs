using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML;

namespace TopUpSpark.Scoring.MlNet;

/// <summary>
/// The file <c>topup-models train</c> writes: a zip holding <c>manifest.json</c> (format, inputs, trainer, decision
/// threshold, model card), <c>mlnet-model.zip</c> (the ML.NET model as ML.NET saves it) and, when the model compiles
/// exactly, <c>compiled-scorer.json</c> (its <see cref="MlNetScorerDefinition"/>), from which it loads without ML.NET.
/// A file without the compiled scorer (written before there was one) is compiled when it is loaded.
/// </summary>
public static class MlNetModelFile
{
    public const string FormatName = "topupspark-mlnet";
    public const int FormatVersion = 1;
    public const string ManifestEntry = "manifest.json";
    public const string ModelEntry = "mlnet-model.zip";
    public const string ScorerEntry = "compiled-scorer.json";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // A missing or null value the records do not allow is an error of the file, not a null met while scoring.
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>Writes the model, and its compiled scorer when <see cref="MlNetModelCompiler"/> reproduces ML.NET exactly.</summary>
    /// <returns>How the model scores when loaded (its <see cref="ITopUpModel.Kind"/>), for the trainer's log.</returns>
    public static string Write(string path, MLContext context, ITransformer model, DataViewSchema inputSchema, MlNetManifest manifest)
    {
        using var modelBytes = new MemoryStream();
        context.Model.Save(model, inputSchema, modelBytes);
        // The model as it loads, which is what is compiled and checked: a fitted pipeline's steps have other types
        // in memory (a one-hot encoding is one transformer, not the chain it loads as).
        modelBytes.Position = 0;
        var saved = context.Model.Load(modelBytes, out var savedSchema);
        var (compiled, whyNot) = MlNetModelCompiler.Compile(context, saved, savedSchema, manifest, atLoad: false);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        var temporary = path + ".tmp";
        using (var file = File.Create(temporary))
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
        {
            using (var entry = zip.CreateEntry(ManifestEntry).Open())
                JsonSerializer.Serialize(entry, manifest, JsonOptions);
            if (compiled is not null)
            {
                using var entry = zip.CreateEntry(ScorerEntry).Open();
                JsonSerializer.Serialize(entry, compiled.Definition, JsonOptions);
            }
            using var modelEntry = zip.CreateEntry(ModelEntry, CompressionLevel.NoCompression).Open();
            modelBytes.Position = 0;
            modelBytes.CopyTo(modelEntry);
        }
        File.Move(temporary, path, overwrite: true);
        return compiled?.Kind ?? manifest.Kind("ML.NET engine: " + whyNot);
    }

    /// <summary>
    /// Loads the model from its compiled scorer, without ML.NET; from a file without one, compiled now when
    /// <see cref="MlNetModelCompiler"/> can reproduce it exactly, otherwise on ML.NET's prediction engine, with the
    /// reason in its <see cref="ITopUpModel.Kind"/>.
    /// </summary>
    public static IMlNetTopUpModel Load(string path)
    {
        using var zip = OpenZip(path);
        var manifest = ReadManifest(zip, path);
        return zip.GetEntry(ScorerEntry) is { } scorer ? LoadCompiled(scorer, manifest, path) : LoadCompiling(zip, manifest, path);
    }

    /// <summary>Loads the model on ML.NET's prediction engine, never compiled: the reference the compiled scorer is held to.</summary>
    public static MlNetTopUpModel LoadEngine(string path)
    {
        using var zip = OpenZip(path);
        var saved = Read(zip, ReadManifest(zip, path), path);
        return new MlNetTopUpModel(saved.Context, saved.Model, saved.Manifest, "ML.NET engine");
    }

    private static CompiledMlNetModel LoadCompiled(ZipArchiveEntry entry, MlNetManifest manifest, string path)
    {
        try
        {
            using var stream = entry.Open();
            var definition = JsonSerializer.Deserialize<MlNetScorerDefinition>(stream, JsonOptions)
                             ?? throw new ModelFileException("it holds null");
            return CompiledMlNetModel.Build(manifest, definition, compiledAtLoad: false);
        }
        catch (Exception e) when (e is JsonException or ModelFileException or NotSupportedException)
        {
            throw new ModelFileException($"{path}: {ScorerEntry} is not a usable compiled scorer: {e.Message}", e);
        }
    }

    /// <summary>Kept out of <see cref="Load"/> so that compiling that (inlined) never loads ML.NET for a file with a compiled scorer.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IMlNetTopUpModel LoadCompiling(ZipArchive zip, MlNetManifest manifest, string path)
    {
        var saved = Read(zip, manifest, path);
        var (compiled, whyNot) = MlNetModelCompiler.Compile(saved.Context, saved.Model, saved.InputSchema, saved.Manifest, atLoad: true);
        return compiled as IMlNetTopUpModel ?? new MlNetTopUpModel(saved.Context, saved.Model, saved.Manifest, "ML.NET engine: " + whyNot);
    }

    private sealed record SavedModel(MLContext Context, ITransformer Model, DataViewSchema InputSchema, MlNetManifest Manifest);

    private static SavedModel Read(ZipArchive zip, MlNetManifest manifest, string path)
    {
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

    private static MlNetManifest ReadManifest(ZipArchive zip, string path)
    {
        var entry = zip.GetEntry(ManifestEntry)
            ?? throw new ModelFileException($"{path}: zip file has no {ManifestEntry}; it was not written by topup-models train");
        MlNetManifest? manifest;
        try
        {
            using var stream = entry.Open();
            manifest = JsonSerializer.Deserialize<MlNetManifest>(stream, JsonOptions);
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
