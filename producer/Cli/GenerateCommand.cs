using System.CommandLine;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Cli;
using TopUpSpark.Core.Logging;
using TopUpSpark.Core.Schema;
using TopUpSpark.Producer.DataGeneration;

namespace TopUpSpark.Producer.Cli;

/// <summary><c>topup-producer generate</c>: writes synthetic course data (docs/data-generator.md).</summary>
internal static class GenerateCommand
{
    // Every customer's probability and label is held in memory while the files are written.
    private const int MaxCustomers = 10_000_000;

    public static Command Create()
    {
        var customers = Flags.Create("--customers", "TOPUP_GEN_CUSTOMERS", GeneratorOptions.OriginalCustomers,
            "Number of customers (the original data has 128,655)").Accepting(Accept.Between(1, MaxCustomers));
        var seed = Flags.Create("--seed", "TOPUP_GEN_SEED", 1L, "Seed: the same seed writes byte-identical files");
        var output = Flags.Create("--out", "TOPUP_GEN_OUT", "data",
            "Folder for customer.csv, bureau.csv and true-probability.csv");
        var schemaFile = Flags.Create<string?>("--schema", "TOPUP_SCHEMA", null,
            "Schema file giving the column names and date formats; default: the one shipped beside the program");
        var command = new Command("generate",
            "Write synthetic customer.csv and bureau.csv shaped like the course data (LTFS FinHack 3), plus " +
            "true-probability.csv holding each customer's true top-up probability")
        {
            customers, seed, output, schemaFile,
        };
        command.SetAction((parse, cancel) =>
        {
            using var loggerFactory = ProgramLogging.Create();
            var logger = loggerFactory.CreateLogger("generate");
            try
            {
                var summary = DataGenerator.Generate(new GeneratorOptions
                {
                    Customers = parse.GetValue(customers),
                    Seed = parse.GetValue(seed),
                    OutputDirectory = parse.GetValue(output)!,
                    Schema = TopUpSchema.LoadOrDefault(parse.GetValue(schemaFile)),
                }, cancel);
                logger.LogInformation(
                    "wrote {Customers} customers ({Without} without bureau rows) to {CustomerFile}, {Bureau} bureau rows ({PerCustomer:F2} per customer) to {BureauFile}, true probabilities to {TruthFile} in {Seconds:F1} s",
                    summary.Customers, summary.CustomersWithoutBureauRows, summary.CustomerFile, summary.BureauRows,
                    summary.BureauRowsPerCustomer, summary.BureauFile, summary.TrueProbabilityFile, summary.Elapsed.TotalSeconds);
                logger.LogInformation(
                    "{TopUps} top-ups ({Rate:P2}); Bayes AUC {Auc:F4}; {States} states, {Branches} branches, {Cities} cities; Top-up Month counts: {Months}",
                    summary.TopUps, (double)summary.TopUps / summary.Customers, summary.BayesAuc, summary.States, summary.Branches,
                    summary.Cities, string.Join(", ", summary.TopUpMonthCounts.Select(m => $"'{m.Key}'={m.Value}")));
                return Task.FromResult(0);
            }
            catch (Exception e) when (e is SchemaException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                logger.LogError("{Message}", e.Message);
                return Task.FromResult(1);
            }
            catch (OperationCanceledException)
            {
                logger.LogWarning("generation stopped; the files in {Folder} are incomplete", parse.GetValue(output));
                return Task.FromResult(1);
            }
        });
        return command;
    }
}
