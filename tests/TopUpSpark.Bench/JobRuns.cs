using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using TopUpSpark.Core.Schema;
using TopUpSpark.Models.SparkImport;
using TopUpSpark.Models.Training;
using TopUpSpark.Scoring;
using TopUpSpark.Scoring.MlNet;
using TopUpSpark.Scoring.Spark;
using TopUpSpark.Streaming.Progress;

namespace TopUpSpark.Bench;

/// <summary>What the benchmarks of the job share: the model it scores with, and reading back its batches' progress.</summary>
public static class JobRuns
{
    /// <summary>One batch of the job as its progress file reports it, with the CPU time the job's process spent while it ran.</summary>
    public sealed record BatchTiming(DateTimeOffset Start, DateTimeOffset End, long Rows, long Millis, long CpuMillis);

    public static List<BatchTiming> ReadProgress(string file) =>
        File.ReadLines(file).Select(line =>
        {
            var p = JsonNode.Parse(line)!;
            var start = DateTimeOffset.Parse(p["timestamp"]!.GetValue<string>());
            var millis = p["durationMs"]!["triggerExecution"]!.GetValue<long>();
            // A metric is left out when it is zero.
            var cpuMillis = p["metrics"]?[QueryProgress.ProcessCpuMetric]?.GetValue<long>() ?? 0;
            return new BatchTiming(start, start.AddMilliseconds(millis), p["numInputRows"]!.GetValue<long>(), millis, cpuMillis);
        }).ToList();

    public static long Percentile(List<long> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>
    /// The model <c>demo.sh</c> gives every user: <c>topup-models train</c> with its defaults (FastTree) on the
    /// benchmark's data. Trained once per data set (about half a minute at full size) and kept in the work folder;
    /// again when the kept file is one a user would no longer get (without its compiled scorer, it loads through ML.NET).
    /// </summary>
    public static string TrainDefaultModel(BenchContext context, BenchData.DataSet data)
    {
        var modelFile = Path.Combine(context.WorkDirectory, $"default-{data.Summary.Customers}.model");
        if (File.Exists(modelFile) && ModelFile.Load(modelFile) is CompiledMlNetModel { CompiledAtLoad: false }) return modelFile;
        var (rows, stats) = TrainingData.Load(data.Summary.CustomerFile, data.Summary.BureauFile, TopUpSchema.Default);
        var trained = TopUpModelTrainer.Train(rows, stats, TrainingOptions.Default, null, NullLogger.Instance);
        var partial = modelFile + ".partial";
        MlNetModelFile.Write(partial, trained.Context, trained.Model, trained.InputSchema, trained.Manifest);
        File.Move(partial, modelFile);
        context.Log($"default model: {trained.Card.Trainer}, trained as demo.sh does on {rows.Count:N0} joined rows");
        return modelFile;
    }

    /// <summary>The course's Spark model from ../shared, converted once into a model file the job loads.</summary>
    public static async Task<string> ConvertCourseModel(BenchContext context, CancellationToken cancel)
    {
        var folder = Path.GetFullPath(Path.Combine(context.RepositoryRoot, "..", "shared", "fixtures", "spark-topup-pipeline-model"));
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"the course model is expected at {folder}");
        var imported = await SparkPipelineImporter.ImportAsync(folder, cancel);
        var modelFile = Path.Combine(context.WorkDirectory, "course.model");
        SparkPipelineFile.Write(modelFile, imported.Pipeline, folder, DateTimeOffset.UtcNow);
        return modelFile;
    }
}
