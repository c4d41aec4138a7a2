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
/// Single-core scoring throughput: the course's Spark GBT (20 trees, depth 5, 937 features) converted by
/// import-spark, and an ML.NET model trained on generated data, each scoring 1M rows on one thread through
/// <see cref="ITopUpModel.Score"/>, exactly as the streaming job calls it.
/// </summary>
public sealed class ScoringBenchmark : IBenchmark
{
    private const double TargetRowsPerSecond = 1_000_000;

    public string Name => "scoring";

    public string Description => "single-core rows/s of the converted Spark GBT (course model) and of the ML.NET model, 1M rows each";

    public async Task<JsonObject> RunAsync(BenchContext context, CancellationToken cancel)
    {
        var rows = context.Quick ? 200_000 : 1_000_000;

        var sparkFolder = Path.Combine(Environment.GetEnvironmentVariable("TOPUP_SHARED_DIR") ?? Path.Combine(context.RepositoryRoot, "..", "shared"),
            "fixtures", "spark-topup-pipeline-model");
        var imported = await SparkPipelineImporter.ImportAsync(sparkFolder, cancel);
        var sparkFile = Path.Combine(context.WorkDirectory, "course-gbt.json");
        SparkPipelineFile.Write(sparkFile, imported.Pipeline, sparkFolder, DateTimeOffset.UtcNow);
        var spark = (SparkPipelineModel)ModelFile.Load(sparkFile, AssemblerInvalidHandling.Keep);
        var sparkRows = CourseRows(imported.Pipeline, spark, 1 << 16, new Random(7));
        context.Log($"converted GBT: {spark.Kind}, {spark.FeatureCount} features; scoring {rows:N0} rows");
        var sparkResult = Measure(spark, sparkRows, rows, warmup: 100_000, runs: 3);
        context.Log($"converted GBT: {sparkResult["rows_per_second"]} rows/s");

        var customers = context.Quick ? 4_000 : 20_000;
        var dataFolder = Path.Combine(context.WorkDirectory, "data");
        var data = DataGenerator.Generate(new GeneratorOptions { Customers = customers, Seed = 5, OutputDirectory = dataFolder }, cancel);
        var (training, stats) = TrainingData.Load(data.CustomerFile, data.BureauFile, TopUpSchema.Default);
        var trained = TopUpModelTrainer.Train(training, stats, TrainingOptions.Default with { Trainers = [TrainerKind.FastTree] }, null, NullLogger.Instance);
        var mlnetFile = Path.Combine(context.WorkDirectory, "mlnet-fasttree.zip");
        MlNetModelFile.Write(mlnetFile, trained.Context, trained.Model, trained.InputSchema, trained.Manifest);
        var mlnet = ModelFile.Load(mlnetFile);
        var mlnetRows = training.Select(r => (r.Numeric, r.Categorical)).ToArray();
        context.Log($"ML.NET model: {mlnet.Kind} trained on {training.Count:N0} joined rows; scoring {rows:N0} rows");
        var mlnetResult = Measure(mlnet, mlnetRows, rows, warmup: 10_000, runs: 1);
        context.Log($"ML.NET model: {mlnetResult["rows_per_second"]} rows/s");

        return new JsonObject
        {
            ["rows"] = rows,
            ["threads"] = 1,
            ["spark_gbt"] = sparkResult,
            ["mlnet"] = mlnetResult,
            ["target_rows_per_second"] = TargetRowsPerSecond,
            ["spark_gbt_target_met"] = (double)sparkResult["rows_per_second"]! >= TargetRowsPerSecond,
        };
    }

    /// <summary>Scores <paramref name="count"/> rows cycling through <paramref name="rows"/>; the best of <paramref name="runs"/> runs counts.</summary>
    private static JsonObject Measure(ITopUpModel model, (double[] Numeric, string?[] Categorical)[] rows, int count, int warmup, int runs)
    {
        var checksum = 0.0;
        for (var i = 0; i < warmup; i++) checksum += model.Score(rows[i % rows.Length].Numeric, rows[i % rows.Length].Categorical).Probability;
        var seconds = new List<double>();
        var positives = 0L;
        for (var run = 0; run < runs; run++)
        {
            positives = 0;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                var row = rows[i % rows.Length];
                var score = model.Score(row.Numeric, row.Categorical);
                checksum += score.Probability;
                positives += score.Prediction;
            }
            seconds.Add(clock.Elapsed.TotalSeconds);
        }
        var best = seconds.Min();
        return new JsonObject
        {
            ["kind"] = model.Kind,
            ["seconds_best"] = Math.Round(best, 4),
            ["seconds_runs"] = new JsonArray(seconds.Select(r => (JsonNode)Math.Round(r, 4)).ToArray()),
            ["rows_per_second"] = Math.Round(count / best),
            ["nanoseconds_per_row"] = Math.Round(best * 1e9 / count, 1),
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
}
