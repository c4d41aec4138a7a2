using System.CommandLine;
using System.Text;
using System.Text.Json;
using TopUpSpark.Core.Cli;
using TopUpSpark.Models.SparkImport;
using TopUpSpark.Models.Training;
using TopUpSpark.Scoring;
using TopUpSpark.Scoring.MlNet;
using TopUpSpark.Scoring.Spark;

namespace TopUpSpark.Models.Commands;

/// <summary><c>describe FILE</c>: what a model file (or a Spark PipelineModel folder) holds.</summary>
internal static class DescribeCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("file") { Description = "Model file from import-spark or train, or a Spark PipelineModel folder" };
        var json = Flags.Create("--json", "TOPUP_DESCRIBE_JSON", false, "After the summary, print a trained model's whole model card as JSON");
        var command = new Command("describe", "Describe a model: kind, inputs, stages or trainer, and a short summary of its model card") { target, json };
        command.SetAction((parse, cancel) => CommandRunner.RunAsync("describe", async _ =>
        {
            var path = parse.GetValue(target)!;
            string text;
            if (Directory.Exists(path))
            {
                var imported = await SparkPipelineImporter.ImportAsync(path, cancel);
                text = DescribeSpark(imported.Model, $"Spark PipelineModel folder {path} (not converted; import-spark writes a model file)", imported.Warnings);
            }
            else if (ModelFile.Detect(path) == ModelFileKind.SparkPipeline)
            {
                var envelope = SparkPipelineFile.Read(path);
                text = DescribeSpark(SparkPipelineCompiler.Compile(envelope.Pipeline),
                    $"{path}: converted Spark pipeline, imported {envelope.ImportedAtUtc:yyyy-MM-dd HH:mm:ss}Z from {envelope.Source}", []);
            }
            else
            {
                text = DescribeMlNet(MlNetModelFile.Load(path), path, parse.GetValue(json));
            }
            Console.Out.Write(text);
            return 0;
        }));
        return command;
    }

    internal static string DescribeSpark(SparkPipelineModel model, string origin, IReadOnlyList<string> warnings)
    {
        var text = new StringBuilder();
        text.AppendLine(origin);
        text.AppendLine($"kind:        {model.Kind}");
        text.AppendLine($"spark:       {model.Definition.SparkVersion}, {model.Definition.Uid}");
        text.AppendLine($"numeric:     {model.NumericInputs.Count}: {string.Join(", ", model.NumericInputs)}");
        text.AppendLine($"categorical: {model.CategoricalInputs.Count}: {string.Join(", ", model.CategoricalInputs)}");
        text.AppendLine($"features:    {model.FeatureCount}");
        text.AppendLine($"assembler:   handleInvalid={model.AssemblerHandling.ToString().ToLowerInvariant()} as saved" +
                        (model.AssemblerHandling == AssemblerInvalidHandling.Error ? " (a null feature fails the row; the streaming job overrides it with keep)" : ""));
        text.AppendLine("stages:");
        for (var i = 0; i < model.Definition.Stages.Count; i++)
            text.AppendLine($"  {i} {model.Definition.Stages[i]}: {StageSummary(model.Definition.Stages[i])}");
        foreach (var warning in warnings) text.AppendLine($"note: {warning}");
        return text.ToString();
    }

    private static string StageSummary(SparkStage stage) => stage switch
    {
        StringIndexerStage s => $"{string.Join(", ", s.InputCols)} → {string.Join(", ", s.OutputCols)}; labels {string.Join("/", s.LabelsArray.Select(l => l.Count))}; handleInvalid={s.HandleInvalid}, stringOrderType={s.StringOrderType}",
        OneHotEncoderStage s => $"{string.Join(", ", s.InputCols)} → {string.Join(", ", s.OutputCols)}; categorySizes {string.Join("/", s.CategorySizes)}; dropLast={s.DropLast.ToString().ToLowerInvariant()}, handleInvalid={s.HandleInvalid}",
        VectorAssemblerStage s => $"{s.InputCols.Count} inputs → {s.OutputCol}; handleInvalid={s.HandleInvalid}",
        StandardScalerStage s => $"{s.InputCol} → {s.OutputCol}; withMean={s.WithMean.ToString().ToLowerInvariant()}, withStd={s.WithStd.ToString().ToLowerInvariant()}, {s.Mean.Count} features",
        TreeClassifierStage s => $"{s.Trees.Count} trees, {s.Trees.Sum(t => t.Nodes.Count)} nodes, max depth {s.Trees.Max(Depth)}, {s.NumFeatures} features from '{s.FeaturesCol}'" +
                                 (s.Thresholds is null ? "" : $", thresholds [{string.Join(", ", s.Thresholds)}]"),
        LogisticRegressionStage s => $"{s.NumFeatures} coefficients from '{s.FeaturesCol}', intercept {s.Intercept:R}, threshold {s.Threshold:R}",
        _ => "",
    };

    private static int Depth(SparkTree tree)
    {
        int DepthOf(int id) => tree.Nodes[id].IsLeaf ? 0 : 1 + Math.Max(DepthOf(tree.Nodes[id].LeftChild), DepthOf(tree.Nodes[id].RightChild));
        return DepthOf(0);
    }

    private static string DescribeMlNet(IMlNetTopUpModel model, string path, bool wholeCard)
    {
        var manifest = model.Manifest;
        var text = new StringBuilder();
        text.AppendLine($"{path}: ML.NET model trained {manifest.TrainedAtUtc:yyyy-MM-dd HH:mm:ss}Z");
        text.AppendLine($"kind:        {model.Kind}");
        text.AppendLine($"numeric:     {manifest.NumericInputs.Count}: {string.Join(", ", manifest.NumericInputs)}");
        text.AppendLine($"categorical: {manifest.CategoricalInputs.Count}: {string.Join(", ", manifest.CategoricalInputs)}");
        text.AppendLine($"threshold:   {manifest.Threshold:R} (prediction = probability ≥ threshold)");
        if (manifest.Card is not { } cardJson) return text.AppendLine("model card:  none in this file").ToString();
        var card = cardJson.Deserialize<ModelCard>(ModelCard.JsonOptions)
                   ?? throw new InvalidDataException($"{path}: its model card is empty");
        text.AppendLine($"trained on:  {card.Data.JoinedRows:N0} joined rows of {card.Data.CustomerRows:N0} customers; split {card.Split.Train:N0} train / " +
                        $"{card.Split.Validation:N0} validation / {card.Split.Test:N0} test (seed {card.Split.Seed})");
        text.AppendLine($"chosen:      {card.Trainer}, by validation AUC among " +
                        string.Join(", ", card.Candidates.Select(c => c.Error is null ? $"{c.Trainer} {c.ValidationAuc:F4}" : $"{c.Trainer} (failed: {c.Error})")));
        text.AppendLine($"test:        AUC {card.Test.Auc:F4} (base rate {card.Baseline.Auc:F4}), F1 {card.Test.F1:F3}, precision {card.Test.Precision:F3}, " +
                        $"recall {card.Test.Recall:F3} on {card.Test.Rows:N0} rows ({card.Test.Positives:N0} top-ups)");
        if (card.Bayes is { } bayes)
            text.AppendLine($"vs truth:    {bayes.Ratio:P1} of the Bayes AUC {bayes.BayesAuc:F4} the generator's true probabilities reach");
        if (wholeCard)
            text.AppendLine("model card:").AppendLine(cardJson.ToJsonString(ModelCard.JsonOptions));
        else
            text.AppendLine("(--json prints the whole model card: features, calibration, timings)");
        return text.ToString();
    }
}
