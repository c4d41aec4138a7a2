using System.Text.Json;
using TopUpSpark.Scoring.MlNet;
using TopUpSpark.Scoring.Spark;

namespace TopUpSpark.Scoring;

/// <summary>Loads a model file written by <c>topup-models import-spark</c> or <c>topup-models train</c>.</summary>
public static class ModelFile
{
    /// <summary>
    /// Loads <paramref name="path"/>, telling the two formats apart by their content.
    /// <paramref name="overrideHandleInvalid"/> replaces the saved VectorAssembler handleInvalid of a converted
    /// Spark pipeline (the streaming job passes Keep); ML.NET models never reject a row, so it does not apply to them.
    /// An ML.NET model comes compiled into the same kind of scorer as a Spark pipeline when that reproduces ML.NET
    /// exactly, otherwise on ML.NET's engine; its <see cref="ITopUpModel.Kind"/> says which, and why.
    /// </summary>
    /// <exception cref="ModelFileException">The file is missing, of another kind, or not usable; the message says which.</exception>
    public static ITopUpModel Load(string path, AssemblerInvalidHandling? overrideHandleInvalid = null)
    {
        return Detect(path) switch
        {
            ModelFileKind.SparkPipeline => SparkPipelineCompiler.Compile(SparkPipelineFile.Read(path).Pipeline, overrideHandleInvalid),
            _ => MlNetModelFile.Load(path),
        };
    }

    /// <summary>
    /// Code no batch runs once <paramref name="loaded"/> is loaded: reading and compiling model files, and ML.NET's
    /// engine and rows unless the model scores on it. Only these touch ML.NET, whose libraries would otherwise load
    /// (and stay) in a job that never uses them.
    /// </summary>
    public static IReadOnlySet<Type> LoadingOnly(ITopUpModel loaded)
    {
        HashSet<Type> types = [typeof(ModelFile), typeof(MlNetModelFile), typeof(MlNetModelCompiler), typeof(SparkPipelineFile), typeof(SparkPipelineCompiler)];
        if (loaded is not MlNetTopUpModel) types.UnionWith([typeof(MlNetTopUpModel), typeof(MlNetInputRow), typeof(MlNetOutputRow)]);
        return types;
    }

    /// <summary>Which of the two formats <paramref name="path"/> holds, or a clear error.</summary>
    public static ModelFileKind Detect(string path)
    {
        if (Directory.Exists(path))
        {
            var hint = File.Exists(Path.Combine(path, "metadata", "part-00000"))
                ? "it looks like a Spark PipelineModel folder; convert it first: topup-models import-spark " + path + " --out FILE"
                : "expected a model file";
            throw new ModelFileException($"{path} is a folder: {hint}");
        }
        if (!File.Exists(path)) throw new ModelFileException($"model file not found: {path}");
        Span<byte> head = stackalloc byte[4];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read >= 2 && head[0] == 'P' && head[1] == 'K') return ModelFileKind.MlNet;
        if (read >= 1 && head[0] == '{')
        {
            try
            {
                using var stream = File.OpenRead(path);
                using var document = JsonDocument.Parse(stream);
                SparkPipelineFile.Parse(document.RootElement, path);
                return ModelFileKind.SparkPipeline;
            }
            catch (JsonException e)
            {
                throw new ModelFileException($"{path}: not a valid model file (broken JSON: {e.Message})", e);
            }
        }
        throw new ModelFileException(
            $"{path}: not a TopUpSpark model file (expected the output of topup-models import-spark or topup-models train)");
    }
}

public enum ModelFileKind
{
    /// <summary>A converted Spark PipelineModel (JSON).</summary>
    SparkPipeline,
    /// <summary>An ML.NET model trained by topup-models train (zip).</summary>
    MlNet,
}
