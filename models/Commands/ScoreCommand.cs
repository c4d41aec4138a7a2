using System.CommandLine;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Cli;
using TopUpSpark.Models.Scoring;
using TopUpSpark.Models.SparkImport;
using TopUpSpark.Scoring;
using TopUpSpark.Scoring.Spark;

namespace TopUpSpark.Models.Commands;

/// <summary><c>score --model FILE --input CSV --output CSV</c>: adds prediction and probability to every row.</summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var model = Flags.Create<string?>("--model", "TOPUP_MODEL", null,
            "Model file (from import-spark or train); a Spark PipelineModel folder is converted in memory").MustBeSet();
        var input = Flags.Create<string?>("--input", "TOPUP_SCORE_INPUT", null, "CSV of joined rows with the model's input columns (by name)").MustBeSet();
        var output = Flags.Create<string?>("--output", "TOPUP_SCORE_OUTPUT", null, "CSV to write: the input columns + prediction + probability").MustBeSet();
        var rejected = Flags.Create<string?>("--rejected", "TOPUP_SCORE_REJECTED", null,
            "CSV for rows not scored, with the reason; default: <output without extension>.rejected.csv");
        var assemblerInvalid = Flags.Create<AssemblerInvalidHandling?>("--assembler-invalid", "TOPUP_ASSEMBLER_INVALID", null,
            "Override a Spark model's VectorAssembler handleInvalid: keep (null → NaN, as the streaming job does), error or skip; default: as saved in the model");
        var command = new Command("score", "Score a CSV with a model file")
        {
            model, input, output, rejected, assemblerInvalid,
        };
        command.SetAction((parse, cancel) => CommandRunner.RunAsync("score", async logger =>
        {
            var modelPath = parse.GetValue(model)!;
            var inputPath = parse.GetValue(input)!;
            var outputPath = parse.GetValue(output)!;
            var rejectedPath = parse.GetValue(rejected) ?? Path.ChangeExtension(outputPath, null) + ".rejected.csv";
            var handling = parse.GetValue(assemblerInvalid);
            var loaded = Directory.Exists(modelPath)
                ? SparkPipelineCompiler.Compile((await SparkPipelineImporter.ImportAsync(modelPath, cancel)).Pipeline, handling)
                : ModelFile.Load(modelPath, handling);
            if (loaded is SparkPipelineModel spark)
                logger.LogInformation("{Kind}: VectorAssembler handleInvalid={Handling} ({Source})", loaded.Kind,
                    spark.AssemblerHandling.ToString().ToLowerInvariant(), handling is null ? "as saved" : "--assembler-invalid");
            else if (handling is not null)
                logger.LogWarning("{Kind}: --assembler-invalid applies to Spark pipelines only; ML.NET models impute nulls", loaded.Kind);

            var summary = CsvScorer.Score(loaded, inputPath, outputPath, rejectedPath, logger, cancel);
            logger.LogInformation(
                "{Rows} rows: {Scored} scored, {Rejected} rejected, {Skipped} skipped, {Malformed} malformed, {Unparseable} unparseable numbers read as null; {Rate:F0} rows/s → {Output}{Rejects}",
                summary.Rows, summary.Scored, summary.Rejected, summary.Skipped, summary.Malformed, summary.UnparseableNumbers,
                summary.Rows / Math.Max(summary.Elapsed.TotalSeconds, 1e-9), outputPath,
                summary.Scored < summary.Rows ? $" (not scored: {rejectedPath})" : "");
            return 0;
        }));
        return command;
    }
}
