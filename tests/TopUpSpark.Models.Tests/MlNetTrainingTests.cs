using System.Text.Json;
using TopUpSpark.Models.Training;
using TopUpSpark.Producer.DataGeneration;
using TopUpSpark.Scoring;
using TopUpSpark.Scoring.MlNet;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Models.Tests;

/// <summary>
/// <c>topup-models train</c> end to end on a small generated data set: the chosen model must clearly beat the
/// trivial base-rate predictor on held-out customers, and the files it writes must load and score.
/// </summary>
[TestFixture]
public sealed class MlNetTrainingTests
{
    private string _folder = null!;
    private string _modelPath = null!;
    private ModelCard _card = null!;
    private GenerationSummary _data = null!;

    [OneTimeSetUp]
    public async Task GenerateAndTrain()
    {
        _folder = RepositoryRoot.NewScratchDirectory("mlnet-training");
        _data = DataGenerator.Generate(new GeneratorOptions { Customers = 6000, Seed = 11, OutputDirectory = _folder });
        _modelPath = Path.Combine(_folder, "topup.zip");
        var exit = await ModelsCli.Create().Parse([
            "train", "--customers", _data.CustomerFile, "--bureau", _data.BureauFile, "--out", _modelPath,
            "--true-probabilities", _data.TrueProbabilityFile, "--trainers", "fasttree,logistic", "--seed", "3",
        ]).InvokeAsync();
        Assert.That(exit, Is.EqualTo(0), "train exit code");
        _card = JsonSerializer.Deserialize<ModelCard>(File.ReadAllText(Path.Combine(_folder, "topup.card.json")), ModelCard.JsonOptions)!;
    }

    [OneTimeTearDown]
    public void Delete() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void ChosenModelClearlyBeatsTheBaseRatePredictor()
    {
        var test = _card.Test;
        TestContext.Out.WriteLine($"trainer {_card.Trainer}: test AUC {test.Auc:F4}, F1 {test.F1:F3} (all-positive F1 {_card.Baseline.F1AllPositive:F3}), " +
                                  $"log loss {test.LogLoss:F4} (base rate {_card.Baseline.LogLoss:F4}), Bayes AUC {_card.Bayes!.BayesAuc:F4}, ratio {_card.Bayes.Ratio:P1}");
        Assert.That(test.Auc, Is.GreaterThan(_card.Baseline.Auc + 0.15));
        Assert.That(test.F1, Is.GreaterThan(_card.Baseline.F1AllPositive + 0.1));
        Assert.That(test.LogLoss, Is.LessThan(_card.Baseline.LogLoss - 0.03));
        Assert.That(_card.Bayes.Ratio, Is.GreaterThan(0.9), "even on 6,000 customers the model gets most of the reachable AUC");
    }

    [Test]
    public void ModelCardRecordsDataFeaturesSplitAndSelection()
    {
        Assert.That(_card.Features.Numeric, Is.EqualTo(TopUpFeatureSet.Numeric));
        Assert.That(_card.Features.Categorical, Is.EqualTo(TopUpFeatureSet.Categorical));
        Assert.That(_card.Data.CustomerRows, Is.EqualTo(6000));
        Assert.That(_card.Data.JoinedRows, Is.EqualTo(6000 - _data.CustomersWithoutBureauRows), "inner join, as the streaming job");
        Assert.That(_card.Data.DataSha256, Has.Length.EqualTo(64));
        Assert.That(_card.Split.Train + _card.Split.Validation + _card.Split.Test, Is.EqualTo(_card.Data.JoinedRows));
        Assert.That(_card.Candidates.Select(c => c.Trainer), Is.EquivalentTo(new[] { "FastTree", "Logistic" }));
        Assert.That(_card.Trainer, Is.EqualTo(_card.Candidates.MaxBy(c => c.ValidationAuc)!.Trainer), "the best validation AUC wins");
        Assert.That(_card.Test.Calibration, Has.Count.EqualTo(10));
        Assert.That(_card.Test.Calibration.Sum(b => b.Count), Is.EqualTo(_card.Test.Rows));
        Assert.That(_card.TrainedAtUtc.Offset, Is.EqualTo(TimeSpan.Zero));
    }

    [Test]
    public async Task Without_trainers_named_it_trains_FastTree_alone_as_the_demo_does()
    {
        var modelPath = Path.Combine(_folder, "default.zip");
        var exit = await ModelsCli.Create().Parse(["train", "--customers", _data.CustomerFile, "--bureau", _data.BureauFile, "--out", modelPath]).InvokeAsync();

        Assert.That(exit, Is.EqualTo(0));
        var card = JsonSerializer.Deserialize<ModelCard>(File.ReadAllText(Path.Combine(_folder, "default.card.json")), ModelCard.JsonOptions)!;
        Assert.That(card.Candidates.Select(c => c.Trainer), Is.EqualTo(new[] { "FastTree" }));
        Assert.That(card.Trainer, Is.EqualTo("FastTree"));
    }

    [Test]
    public async Task Describe_gives_a_short_summary_of_the_card_and_the_whole_card_with_json()
    {
        var summary = await Describe(_modelPath);
        var lines = summary.TrimEnd().Split('\n');
        Assert.That(lines, Has.Length.LessThanOrEqualTo(12), summary);
        Assert.That(summary, Does.Contain($"chosen:      {_card.Trainer}, by validation AUC among")
            .And.Contain($"test:        AUC {_card.Test.Auc:F4} (base rate {_card.Baseline.Auc:F4})")
            .And.Contain($"of the Bayes AUC {_card.Bayes!.BayesAuc:F4}")
            .And.Contain($"{_card.Data.JoinedRows:N0} joined rows")
            .And.Not.Contain("\"calibration\""), "the card's JSON only with --json");

        var whole = await Describe(_modelPath, "--json");
        Assert.That(whole, Does.StartWith(summary[..summary.IndexOf("(--json", StringComparison.Ordinal)]));
        var cardJson = whole[(whole.IndexOf("model card:\n", StringComparison.Ordinal) + "model card:\n".Length)..];
        var card = JsonSerializer.Deserialize<ModelCard>(cardJson, ModelCard.JsonOptions)!;
        Assert.That(card.Test.Auc, Is.EqualTo(_card.Test.Auc));
        Assert.That(card.Test.Calibration, Has.Count.EqualTo(10));
    }

    private static async Task<string> Describe(params string[] args)
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            Assert.That(await ModelsCli.Create().Parse(["describe", .. args]).InvokeAsync(), Is.EqualTo(0));
        }
        finally
        {
            Console.SetOut(original);
        }
        return output.ToString();
    }

    [Test]
    public void ModelFileLoadsAndScoresRowsWithNulls()
    {
        var model = (IMlNetTopUpModel)ModelFile.Load(_modelPath);

        Assert.That(model.Kind, Does.StartWith($"mlnet-{_card.Trainer.ToLowerInvariant()} (compiled: "));
        Assert.That(model.NumericInputs, Is.EqualTo(TopUpFeatureSet.Numeric));
        Assert.That(model.CategoricalInputs, Is.EqualTo(TopUpFeatureSet.Categorical));
        Assert.That(model.Threshold, Is.EqualTo(_card.Threshold.Value));

        var full = model.Score([600_000, 400_000, 15_000, 30_000, 1, 2, 300_000, 100_000], ["Active", "24", "LUCKNOW", "36", "1186", "LUCKNOW", "UTTAR PRADESH"]);
        var empty = model.Score(Enumerable.Repeat(double.NaN, 8).ToArray(), new string?[7]);
        foreach (var score in new[] { full, empty })
        {
            Assert.That(score.Probability, Is.InRange(0.0, 1.0));
            Assert.That(score.Prediction, Is.EqualTo(score.Probability >= model.Threshold ? 1 : 0));
        }
    }

    [Test]
    public void ScoringFromManyThreadsGivesTheSameAnswers()
    {
        var model = ModelFile.Load(_modelPath);
        var (rows, _) = TrainingData.Load(_data.CustomerFile, _data.BureauFile, Core.Schema.TopUpSchema.Default);
        var sample = rows.Take(400).ToList();
        var sequential = sample.Select(r => model.Score(r.Numeric, r.Categorical)).ToArray();

        var parallel = new ModelScore[sample.Count];
        Parallel.For(0, sample.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = model.Score(sample[i].Numeric, sample[i].Categorical));

        Assert.That(parallel, Is.EqualTo(sequential));
    }
}
