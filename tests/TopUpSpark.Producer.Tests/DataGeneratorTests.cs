using System.Globalization;
using System.Text.RegularExpressions;
using NUnit.Framework;
using TopUpSpark.Core.Schema;
using TopUpSpark.Producer.DataGeneration;

namespace TopUpSpark.Producer.Tests;

public sealed partial class DataGeneratorTests
{
    // DESIGN §3, spelled out here rather than taken from the schema file: the files must match the contract.
    private static readonly string[] CustomerColumns =
    [
        "ID", "Frequency", "InstlmentMode", "LoanStatus", "PaymentMode", "BranchID", "Area", "Tenure", "AssetCost",
        "AmountFinance", "DisbursalAmount", "EMI", "DisbursalDate", "MaturityDAte", "AuthDate", "AssetID", "ManufacturerID",
        "SupplierID", "LTV", "SEX", "AGE", "MonthlyIncome", "City", "State", "ZiPCODE", "Top-up Month",
    ];

    private static readonly string[] BureauColumns =
    [
        "ID", "SELF-INDICATOR", "MATCH-TYPE", "ACCT-TYPE", "CONTRIBUTOR-TYPE", "DATE-REPORTED", "OWNERSHIP-IND",
        "ACCOUNT-STATUS", "DISBURSED-DT", "CLOSE-DT", "LAST-PAYMENT-DATE", "CREDIT-LIMIT/SANC AMT",
        "DISBURSED-AMT/HIGH CREDIT", "INSTALLMENT-AMT", "CURRENT-BAL", "INSTALLMENT-FREQUENCY", "OVERDUE-AMT",
        "WRITE-OFF-AMT", "ASSET_CLASS", "REPORTED DATE - HIST", "DPD - HIST", "CUR BAL - HIST", "AMT OVERDUE - HIST",
        "AMT PAID - HIST", "TENURE",
    ];

    private static CsvTable? _customers;
    private static CsvTable? _bureau;
    private static CsvTable? _truth;

    private static CsvTable Customers => _customers ??= CsvTable.Read(GeneratedData.Medium.CustomerFile);
    private static CsvTable Bureau => _bureau ??= CsvTable.Read(GeneratedData.Medium.BureauFile);
    private static CsvTable Truth => _truth ??= CsvTable.Read(GeneratedData.Medium.TrueProbabilityFile);

    [Test]
    public void Files_have_exactly_the_headers_of_the_data_contract()
    {
        Assert.That(File.ReadLines(GeneratedData.Medium.CustomerFile).First(), Is.EqualTo(string.Join(',', CustomerColumns)));
        Assert.That(File.ReadLines(GeneratedData.Medium.BureauFile).First(), Is.EqualTo(string.Join(',', BureauColumns)));
        Assert.That(File.ReadLines(GeneratedData.Medium.TrueProbabilityFile).First(), Is.EqualTo("ID,probability,Top-up"));
    }

    [Test]
    public void Shape_is_that_of_the_original_data()
    {
        var summary = GeneratedData.Medium.Summary;
        Assert.Multiple(() =>
        {
            Assert.That(Customers.Rows, Has.Count.EqualTo(20_000));
            Assert.That(Customers.Column("ID"), Is.Unique);
            Assert.That(Bureau.Rows.Count / 20_000.0, Is.InRange(4.0, 4.8), "bureau rows per customer (original: 4.36)");
            Assert.That(summary.BureauRows, Is.EqualTo(Bureau.Rows.Count));
            Assert.That(Customers.Column("ID").Except(Bureau.Column("ID")).Count(), Is.InRange(1, 4_000), "some customers have no bureau rows");
            Assert.That(Bureau.Column("ID").Except(Customers.Column("ID")), Is.Empty, "every bureau row belongs to a customer");
            Assert.That(Customers.Column("State").Distinct().Count(), Is.EqualTo(21));
            Assert.That(Customers.Column("State"), Has.Some.EqualTo("ORISSA").And.Some.EqualTo("CHATTISGARH")
                .And.Some.EqualTo("GUJARAT").And.Some.EqualTo("MAHARASHTRA"));
            Assert.That(Customers.Column("BranchID").Distinct().Count(), Is.InRange(175, 195), "~190 branches");
            Assert.That(Customers.Column("City").Distinct().Count(), Is.InRange(440, 480), "~470 cities");
        });
    }

    [Test]
    public void States_are_skewed_and_each_city_lies_in_one_state()
    {
        var byState = Customers.Column("State").GroupBy(s => s).Select(g => g.Count()).OrderDescending().ToList();
        Assert.That(byState[0], Is.GreaterThan(10 * byState[^1]), "the biggest state dwarfs the smallest");
        var statesPerCity = Customers.Rows.GroupBy(r => Customers.Value(r, "City")).Select(g => g.Select(r => Customers.Value(r, "State")).Distinct().Count());
        Assert.That(statesPerCity, Is.All.EqualTo(1));
    }

    [Test]
    public void Values_look_like_the_original_files()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Customers.Column("LoanStatus").Distinct(), Is.EquivalentTo(new[] { "Active", "Closed" }));
            foreach (var column in new[] { "BranchID", "Tenure", "ManufacturerID" })
                Assert.That(Customers.Column(column), Is.All.Matches<string>(v => IntegerPattern().IsMatch(v)), column);
            Assert.That(Customers.Column("Tenure"), Has.Some.EqualTo("48"));
            Assert.That(Bureau.Column("SELF-INDICATOR").Distinct(), Is.EquivalentTo(new[] { "TRUE", "FALSE" }));
            Assert.That(Bureau.Column("DISBURSED-AMT/HIGH CREDIT"), Has.Some.Matches<string>(v => IndianThousandsPattern().IsMatch(v)));
            Assert.That(Bureau.Column("DISBURSED-AMT/HIGH CREDIT").Where(v => v.Length > 0),
                Is.All.Matches<string>(v => IndianNumberPattern().IsMatch(v)), "Indian digit grouping, e.g. 1,20,000");
            Assert.That(Bureau.Column("INSTALLMENT-AMT"), Has.Some.Matches<string>(v => v.EndsWith("/Monthly", StringComparison.Ordinal) && v.Contains(',')));
            Assert.That(Bureau.Column("INSTALLMENT-AMT"), Has.Some.EqualTo("Unknown"));
            Assert.That(Bureau.Column("DPD - HIST"), Has.Some.Matches<string>(v => v.Split(',').Length > 3));
            Assert.That(Bureau.Column("CLOSE-DT"), Has.Some.Empty);
            Assert.That(Customers.Column("Top-up Month").Distinct(), Is.EquivalentTo(TopUpMonths.OriginalCounts.Select(m => m.Key)));
            Assert.That(Customers.Column("Top-up Month"), Has.Some.EqualTo(" > 48 Months"), "the leading space of the original is kept");
        });
    }

    [Test]
    public void Every_value_casts_under_the_schema_file()
    {
        var schema = TopUpSchema.Default;
        var invalid = new List<string>();
        void Check(CsvTable table, DatasetSchema dataset)
        {
            foreach (var row in table.Rows)
            foreach (var (header, i) in table.Headers.Select((h, i) => (h, i)))
            {
                if (ValueCaster.Cast(dataset[header], row[i], out _) == CastStatus.Invalid && row[i] != "Unknown")
                    invalid.Add($"{dataset.Name}.{header} = '{row[i]}'");
            }
        }
        Check(Customers, schema.Customer);
        Check(Bureau, schema.Bureau);
        Assert.That(invalid, Is.Empty, "only INSTALLMENT-AMT's 'Unknown' may fail to cast");
    }

    [Test]
    public void Top_up_months_follow_the_original_priors()
    {
        var counts = Customers.Column("Top-up Month").GroupBy(m => m).ToDictionary(g => g.Key, g => g.Count());
        const int original = GeneratorOptions.OriginalCustomers;
        Assert.Multiple(() =>
        {
            foreach (var (month, originalCount) in TopUpMonths.OriginalCounts)
            {
                var expected = (double)originalCount / original;
                var tolerance = 4 * Math.Sqrt(expected * (1 - expected) / 20_000) + 0.002;
                Assert.That((double)counts.GetValueOrDefault(month) / 20_000, Is.EqualTo(expected).Within(tolerance), $"'{month}'");
            }
        });
    }

    [Test]
    public void The_label_follows_the_true_probability()
    {
        var probabilities = Truth.Column("probability").Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        var labels = Truth.Column("Top-up").Select(l => l == "1").ToArray();
        var monthLabels = Customers.Column("Top-up Month").Select(m => TopUpMonths.Label(m) == 1).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(Truth.Column("ID"), Is.EqualTo(Customers.Column("ID")));
            Assert.That(labels, Is.EqualTo(monthLabels), "Top-up in the side file is the label of customer.csv's Top-up Month");
            Assert.That(probabilities.Average(), Is.EqualTo(TopUpProcess.TargetPrior).Within(0.001));
            var auc = AreaUnderCurve.Compute(probabilities, labels);
            Assert.That(auc, Is.InRange(0.78, 0.92), "the true probability ranks top-ups well (Bayes AUC)");
            Assert.That(GeneratedData.Medium.Summary.BayesAuc, Is.EqualTo(auc).Within(1e-4));
        });
    }

    [Test]
    public void True_probability_is_a_function_of_the_model_features_as_written()
    {
        // Recompute every probability from the CSV text alone, aggregating bureau rows as the streaming job does.
        var numbers = new Func<string, double>(v => ValueCaster.TryParseNumber(v, out var n) ? n : 0);
        var bureauById = Bureau.Rows.ToLookup(r => Bureau.Value(r, "ID"));
        var intercept = GeneratedData.Medium.Summary.Intercept;
        var truth = Truth.Rows.ToDictionary(r => Truth.Value(r, "ID"), r => double.Parse(Truth.Value(r, "probability"), CultureInfo.InvariantCulture));
        var worst = 0.0;
        foreach (var row in Customers.Rows)
        {
            string V(string column) => Customers.Value(row, column);
            var bureau = bureauById[V("ID")].ToList();
            var inputs = new ModelInputs(
                numbers(V("AssetCost")), numbers(V("DisbursalAmount")), numbers(V("EMI")), numbers(V("MonthlyIncome")),
                bureau.Count(b => Bureau.Value(b, "SELF-INDICATOR") == "TRUE"),
                bureau.Select(b => Bureau.Value(b, "ACCT-TYPE")).Where(t => t.Length > 0).Distinct().Count(),
                bureau.Sum(b => numbers(Bureau.Value(b, "DISBURSED-AMT/HIGH CREDIT"))),
                bureau.Sum(b => numbers(Bureau.Value(b, "CURRENT-BAL"))),
                V("LoanStatus"), V("BranchID"), V("Area"), V("Tenure"), V("ManufacturerID"), V("City"), V("State"));
            var recomputed = TopUpProcess.Probability(TopUpProcess.LinearPredictor(inputs), intercept);
            worst = Math.Max(worst, Math.Abs(recomputed - truth[V("ID")]));
        }
        Assert.That(worst, Is.LessThan(1e-7));
    }

    [Test]
    public void Same_seed_writes_identical_files_and_another_seed_does_not()
    {
        var first = GeneratedData.Generate(600, seed: 99);
        var second = GeneratedData.Generate(600, seed: 99);
        var other = GeneratedData.Generate(600, seed: 100);
        foreach (var file in new[] { DataGenerator.CustomerFileName, DataGenerator.BureauFileName, DataGenerator.TrueProbabilityFileName })
        {
            var bytes = File.ReadAllBytes(Path.Combine(first.Directory, file));
            Assert.That(File.ReadAllBytes(Path.Combine(second.Directory, file)), Is.EqualTo(bytes), file);
            Assert.That(File.ReadAllBytes(Path.Combine(other.Directory, file)), Is.Not.EqualTo(bytes), file);
        }
    }

    [GeneratedRegex(@"^\d+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^-?\d{1,2}(,\d\d)*,\d{3}$")]
    private static partial Regex IndianThousandsPattern();

    [GeneratedRegex(@"^-?(\d{1,3}|\d{1,2}(,\d\d)*,\d{3})$")]
    private static partial Regex IndianNumberPattern();
}
