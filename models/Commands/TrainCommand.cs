using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Cli;
using TopUpSpark.Core.Schema;
using TopUpSpark.Models.Training;
using TopUpSpark.Scoring.MlNet;

namespace TopUpSpark.Models.Commands;

/// <summary><c>train --customers CSV --bureau CSV --out FILE</c>: trains the ML.NET model and writes it with its model card.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var customers = Flags.Create<string?>("--customers", "TOPUP_CUSTOMERS_CSV", null, "customer.csv (one row per loan, with 'Top-up Month')").MustBeSet();
        var bureau = Flags.Create<string?>("--bureau", "TOPUP_BUREAU_CSV", null, "bureau.csv (bureau tradelines, zero or more per ID)").MustBeSet();
        var output = Flags.Create<string?>("--out", "TOPUP_MODELS_OUT", null, "Model file to write (zip: manifest, ML.NET model and the model compiled for scoring)").MustBeSet();
        var card = Flags.Create<string?>("--card", "TOPUP_MODEL_CARD", null, "Model card JSON to write; default: <out without extension>.card.json");
        var truth = Flags.Create<string?>("--true-probabilities", "TOPUP_TRUE_PROBABILITIES", null,
            "The generator's true-probability.csv (ID, probability, Top-up); reports the Bayes AUC and the model's share of it");
        var seed = Flags.Create("--seed", "TOPUP_TRAIN_SEED", TrainingOptions.Default.Seed, "Seed of the split and the trainers");
        var testFraction = Flags.Create("--test-fraction", "TOPUP_TEST_FRACTION", TrainingOptions.Default.TestFraction, "Share of customers held out for the final test")
            .Accepting(Accept.Above(0.0)).Accepting(Accept.Below(1.0));
        var validationFraction = Flags.Create("--validation-fraction", "TOPUP_VALIDATION_FRACTION", TrainingOptions.Default.ValidationFraction,
            "Share of customers used to choose the trainer and the threshold").Accepting(Accept.Above(0.0)).Accepting(Accept.Below(1.0));
        var trainers = Flags.Create("--trainers", "TOPUP_TRAINERS", string.Join(',', TrainingOptions.Default.Trainers.Select(kind => kind.ToString().ToLowerInvariant())),
                "Candidate trainers, comma-separated: fasttree, lightgbm, logistic; with several, the best on validation is kept")
            .Accepting(Accept.ParsedBy(ParseTrainers, "a comma-separated list of fasttree, lightgbm and logistic"));
        var schemaFile = Flags.Create<string?>("--schema", "TOPUP_SCHEMA", null, "Schema file (column types); default: the one shipped with the program");
        var command = new Command("train", "Train the top-up classifier with ML.NET on customer.csv + bureau.csv")
        {
            customers, bureau, output, card, truth, seed, testFraction, validationFraction, trainers, schemaFile,
        };
        validationFraction.AcceptingWith((validation, result) => testFraction.TryGetValue(result, out var test) && test + validation >= 1
            ? $"{testFraction.Origin(result)} and {validationFraction.Origin(result)} must leave customers to train on (add up to below 1), got {test} + {validation}"
            : null);
        command.SetAction((parse, cancel) => CommandRunner.RunAsync("train", logger =>
        {
            var customersPath = parse.GetValue(customers)!;
            var bureauPath = parse.GetValue(bureau)!;
            var modelPath = parse.GetValue(output)!;
            var cardPath = parse.GetValue(card) ?? Path.ChangeExtension(modelPath, null) + ".card.json";
            var options = new TrainingOptions(parse.GetValue(seed), parse.GetValue(testFraction), parse.GetValue(validationFraction),
                ParseTrainers(parse.GetValue(trainers)!));
            var schema = TopUpSchema.LoadOrDefault(parse.GetValue(schemaFile));

            var (rows, stats) = TrainingData.Load(customersPath, bureauPath, schema);
            logger.LogInformation(
                "read {Customers} customer and {Bureau} bureau rows: {Joined} joined; left out {WithoutBureau} without bureau rows, {Unlabeled} unlabeled, {Malformed} malformed, {MissingIds} without ID, {Duplicates} duplicate IDs; {Invalid} unparseable values became null",
                stats.CustomerRows, stats.BureauRows, stats.JoinedRows, stats.CustomersWithoutBureau, stats.UnlabeledRows, stats.MalformedRows,
                stats.MissingIds, stats.DuplicateCustomerIds, stats.InvalidValues);
            var trueProbabilities = parse.GetValue(truth) is { } truthPath ? TrueProbabilities.Read(truthPath) : null;
            cancel.ThrowIfCancellationRequested();

            var trained = TopUpModelTrainer.Train(rows, stats, options, trueProbabilities, logger);
            var scoredAs = MlNetModelFile.Write(modelPath, trained.Context, trained.Model, trained.InputSchema, trained.Manifest);
            var cardDirectory = Path.GetDirectoryName(Path.GetFullPath(cardPath));
            if (!string.IsNullOrEmpty(cardDirectory)) Directory.CreateDirectory(cardDirectory);
            File.WriteAllText(cardPath, JsonSerializer.Serialize(trained.Card, ModelCard.JsonOptions));
            logger.LogInformation("wrote {Model} ({Kind}) and model card {Card}", modelPath, scoredAs, cardPath);
            return Task.FromResult(0);
        }));
        return command;
    }

    private static List<TrainerKind> ParseTrainers(string list)
    {
        var kinds = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(name => name.ToLowerInvariant() switch
        {
            "fasttree" => TrainerKind.FastTree,
            "lightgbm" => TrainerKind.LightGbm,
            "logistic" => TrainerKind.Logistic,
            _ => throw new FormatException($"unknown trainer '{name}'"),
        }).Distinct().ToList();
        return kinds.Count > 0 ? kinds : throw new FormatException("no trainer");
    }
}
