using System.CommandLine;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Cli;
using TopUpSpark.Models.SparkImport;
using TopUpSpark.Scoring.Spark;

namespace TopUpSpark.Models.Commands;

/// <summary><c>import-spark DIR --out FILE</c>: validates a Spark PipelineModel folder and writes the self-contained model file.</summary>
internal static class ImportSparkCommand
{
    public static Command Create()
    {
        var folder = new Argument<string>("dir") { Description = "Folder written by Spark's PipelineModel.save() (metadata/ and stages/)" };
        var output = Flags.Create<string?>("--out", "TOPUP_MODELS_OUT", null, "Model file to write (JSON, self-contained)").MustBeSet();
        var command = new Command("import-spark", "Convert a saved Spark ML PipelineModel into a model file .NET scores exactly as Spark does")
        {
            folder, output,
        };
        command.SetAction((parse, cancel) => CommandRunner.RunAsync("import-spark", async logger =>
        {
            var source = parse.GetValue(folder)!;
            var target = parse.GetValue(output)!;
            var result = await SparkPipelineImporter.ImportAsync(source, cancel);
            foreach (var warning in result.Warnings) logger.LogWarning("{Warning}", warning);
            SparkPipelineFile.Write(target, result.Pipeline, Path.GetFullPath(source), DateTimeOffset.UtcNow);
            var model = result.Model;
            logger.LogInformation(
                "imported Spark {Version} pipeline ({Stages} stages): {Kind}, {Features} features; inputs: {Numeric} numeric, {Categorical} categorical; VectorAssembler handleInvalid={Handling} as saved → {Target}",
                result.Pipeline.SparkVersion, result.Pipeline.Stages.Count, model.Kind, model.FeatureCount,
                model.NumericInputs.Count, model.CategoricalInputs.Count, model.AssemblerHandling.ToString().ToLowerInvariant(), target);
            return 0;
        }));
        return command;
    }
}
