using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using TopUpSpark.Core.Schema;
using TopUpSpark.Models.SparkImport;
using TopUpSpark.Models.Training;
using TopUpSpark.Producer.DataGeneration;
using TopUpSpark.Scoring;
using TopUpSpark.Scoring.MlNet;
using TopUpSpark.Scoring.Spark;

namespace TopUpSpark.Bench;

/// <summary>
/// Single-core scoring throughput through <see cref="ITopUpModel.Score"/>, one thread calling it row by row
/// exactly as the streaming job does: the course's Spark GBT (20 trees, depth 5, 937 features) converted by
/// import-spark, and the ML.NET FastTree model (300 trees × 31 leaves) trained on generated data, compiled
/// and on ML.NET's own engine; the LightGBM model of the same shape, compiled, for comparison. Each is
/// measured in several runs; the JSON gives the median with the minimum and maximum, each against the target,
/// in wall-clock time and in the process's CPU time (where the two part, other work took the processor away).
/// </summary>
public sealed class ScoringBenchmark : IBenchmark
{
    private const double TargetRowsPerSecond = 1_000_000;
    private const int Runs = 5;
    private const int EngineRuns = 3;

    public string Name => "scoring";

    public string Description =>
        "single-core rows/s of the converted Spark GBT (course model) and of the ML.NET FastTree model compiled and on ML.NET's engine; medians of several runs";

    public async Task<JsonObject> RunAsync(BenchContext context, CancellationToken cancel)
    {
        var rows = context.Quick ? 200_000 : 1_000_000;
        // ML.NET's engine takes ~45 µs a row: a tenth of the rows keeps its runs to seconds.
        var engineRows = rows / 10;

        var sparkFolder = Path.Combine(Environment.GetEnvironmentVariable("TOPUP_SHARED_DIR") ?? Path.Combine(context.RepositoryRoot, "..", "shared"),
            "fixtures", "spark-topup-pipeline-model");
        var imported = await SparkPipelineImporter.ImportAsync(sparkFolder, cancel);
        var sparkFile = Path.Combine(context.WorkDirectory, "course-gbt.json");
        SparkPipelineFile.Write(sparkFile, imported.Pipeline, sparkFolder, DateTimeOffset.UtcNow);
        var spark = (SparkPipelineModel)ModelFile.Load(sparkFile, AssemblerInvalidHandling.Keep);
        var sparkRows = CourseRows(imported.Pipeline, spark, 1 << 16, new Random(7));
        context.Log($"converted GBT: {spark.Kind}, {spark.FeatureCount} features");
        var courseResult = Measure(context, spark, sparkRows, rows, Runs);

        var customers = context.Quick ? 4_000 : 20_000;
        var dataFolder = Path.Combine(context.WorkDirectory, "data");
        var data = DataGenerator.Generate(new GeneratorOptions { Customers = customers, Seed = 5, OutputDirectory = dataFolder }, cancel);
        var (training, stats) = TrainingData.Load(data.CustomerFile, data.BureauFile, TopUpSchema.Default);
        var mlnetRows = WithGaps(training, new Random(11));
        var fastTree = TrainAndLoad(context, training, stats, TrainerKind.FastTree);
        var lightGbm = TrainAndLoad(context, training, stats, TrainerKind.LightGbm);
        // Training leaves worker threads spinning and code compiling in the background for a moment: let them finish.
        GC.Collect();
        await Task.Delay(TimeSpan.FromSeconds(2), cancel);

        var measured = new JsonObject
        {
            ["course_spark_gbt"] = courseResult,
            ["mlnet_fasttree_compiled"] = Measure(context, fastTree.Compiled, mlnetRows, rows, Runs),
            ["mlnet_fasttree_engine"] = Measure(context, fastTree.Engine, mlnetRows, engineRows, EngineRuns),
            ["mlnet_lightgbm_compiled"] = Measure(context, lightGbm.Compiled, mlnetRows, rows, Runs),
        };
        return new JsonObject
        {
            ["threads"] = 1,
            ["mlnet_training_rows"] = training.Count,
            ["target_rows_per_second"] = TargetRowsPerSecond,
            ["models"] = measured,
        };
    }

    /// <summary>Trains one trainer as <c>topup-models train</c> does, writes the model file, and loads it compiled and on ML.NET's engine.</summary>
    private static (ITopUpModel Compiled, ITopUpModel Engine) TrainAndLoad(BenchContext context, List<TrainingRow> training, TrainingDataStats stats,
        TrainerKind trainer)
    {
        var trained = TopUpModelTrainer.Train(training, stats, TrainingOptions.Default with { Trainers = [trainer] }, null, NullLogger.Instance);
        var file = Path.Combine(context.WorkDirectory, $"mlnet-{trainer.ToString().ToLowerInvariant()}.zip");
        MlNetModelFile.Write(file, trained.Context, trained.Model, trained.InputSchema, trained.Manifest);
        var compiled = ModelFile.Load(file);
        if (compiled is not CompiledMlNetModel)
            throw new InvalidOperationException($"the {trainer} model was not compiled: {compiled.Kind}");
        context.Log($"ML.NET {trainer}: {compiled.Kind}, trained on {training.Count:N0} joined rows");
        return (compiled, MlNetModelFile.LoadEngine(file));
    }

    /// <summary>
    /// Scores <paramref name="count"/> rows cycling through <paramref name="rows"/>, <paramref name="runs"/> times after a
    /// warm-up, and reports each run and their median, minimum and maximum, with the target.
    /// </summary>
    private static JsonObject Measure(BenchContext context, ITopUpModel model, (double[] Numeric, string?[] Categorical)[] rows, int count, int runs)
    {
        var checksum = 0.0;
        for (var i = 0; i < Math.Min(count, 100_000); i++) checksum += model.Score(rows[i % rows.Length].Numeric, rows[i % rows.Length].Categorical).Probability;
        var wall = new List<double>();
        var cpu = new List<double>();
        var positives = 0L;
        for (var run = 0; run < runs; run++)
        {
            positives = 0;
            var cpuBefore = Environment.CpuUsage.TotalTime;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                var row = rows[i % rows.Length];
                var score = model.Score(row.Numeric, row.Categorical);
                checksum += score.Probability;
                positives += score.Prediction;
            }
            wall.Add(count / clock.Elapsed.TotalSeconds);
            cpu.Add(count / (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds);
        }
        var wallRates = new Spread(wall);
        var cpuRates = new Spread(cpu);
        var median = wallRates.Median;
        context.Log($"{model.Kind}: median {median:N0} rows/s (min {wallRates.Min:N0}, max {wallRates.Max:N0}; CPU time: median {cpuRates.Median:N0}) over {runs} runs of {count:N0} rows");
        return new JsonObject
        {
            ["kind"] = model.Kind,
            ["rows_per_run"] = count,
            ["runs"] = runs,
            ["rows_per_second"] = wallRates.ToJson(),
            ["rows_per_cpu_second"] = cpuRates.ToJson(),
            ["nanoseconds_per_row_median"] = Math.Round(1e9 / median, 1),
            ["target_rows_per_second"] = TargetRowsPerSecond,
            ["target_met"] = median >= TargetRowsPerSecond,
            ["predicted_positive_share"] = Math.Round((double)positives / count, 4),
            ["checksum"] = checksum,
        };
    }

    /// <summary>
    /// Joined rows for the course model: labels drawn from its StringIndexer (5 % unseen, 5 % null), amounts on
    /// a log scale around the trees' thresholds, 2 % null numbers (the job's assembler keep turns them into NaN).
    /// </summary>
    private static (double[] Numeric, string?[] Categorical)[] CourseRows(SparkPipelineDefinition pipeline, ITopUpModel model, int count, Random random)
    {
        var indexer = pipeline.Stages.OfType<StringIndexerStage>().Single();
        var labels = model.CategoricalInputs.Select(c => indexer.LabelsArray[indexer.InputCols.ToList().IndexOf(c)]).ToArray();
        double[] scales = [700_000, 450_000, 20_000, 40_000, 3, 4, 800_000, 300_000];
        return Enumerable.Range(0, count).Select(i =>
        {
            var numeric = new double[model.NumericInputs.Count];
            for (var f = 0; f < numeric.Length; f++)
                numeric[f] = random.NextDouble() < 0.02 ? double.NaN : Math.Round(scales[f] * Math.Exp(random.NextDouble() * 2 - 1.5));
            var categorical = new string?[model.CategoricalInputs.Count];
            for (var c = 0; c < categorical.Length; c++)
            {
                var draw = random.NextDouble();
                categorical[c] = draw < 0.05 ? null : draw < 0.10 ? $"unseen-{i}" : labels[c][random.Next(labels[c].Count)];
            }
            return (numeric, categorical);
        }).ToArray();
    }

    /// <summary>The ML.NET model's training rows with the course rows' gaps: 2 % null numbers, 5 % null and 5 % unseen categories.</summary>
    private static (double[] Numeric, string?[] Categorical)[] WithGaps(List<TrainingRow> training, Random random) =>
        training.Select((row, i) => (
            row.Numeric.Select(v => random.NextDouble() < 0.02 ? double.NaN : v).ToArray(),
            row.Categorical.Select(v => random.NextDouble() switch { < 0.05 => null, < 0.10 => $"unseen-{i}", _ => v }).ToArray())).ToArray();

    // ML.NET's own engine is measured as the reference the compiled scorer is compared with, not against the target.
    public IEnumerable<ReportRow> Report(JsonObject result) =>
        result["models"]!.AsObject().Select(model => model.Key.EndsWith("_engine", StringComparison.Ordinal)
            ? new ReportRow($"scoring, one core: {model.Key.Replace('_', ' ')} (the reference)", Figures.Spread(model.Value!["rows_per_second"], Figures.Whole) + " rows/s")
            : new ReportRow($"scoring, one core: {model.Key.Replace('_', ' ')}", Figures.Spread(model.Value!["rows_per_second"], Figures.Whole) + " rows/s",
                $"≥ {Figures.Whole(model.Value["target_rows_per_second"])} rows/s", model.Value["target_met"]!.GetValue<bool>()));
}
