using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML;
using Microsoft.ML.Trainers.FastTree;
using TopUpSpark.Core.Schema;
using TopUpSpark.Models.Training;
using TopUpSpark.Producer.DataGeneration;
using TopUpSpark.Scoring;
using TopUpSpark.Scoring.MlNet;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Models.Tests;

/// <summary>
/// Every trainer <c>topup-models train</c> offers, trained on generated data: ModelFile.Load must compile the model,
/// and the compiled scorer must give ML.NET's own probability and prediction on 6,000 rows with NaN numbers,
/// null, empty and unseen categories. A model the compiler does not know stays on ML.NET's engine and says why.
/// </summary>
[TestFixture]
public sealed class MlNetCompiledScorerTests
{
    private const int ScoredRows = 6000;

    private string _folder = null!;
    private List<TrainingRow> _rows = null!;
    private TrainingDataStats _stats = null!;

    [OneTimeSetUp]
    public void GenerateData()
    {
        _folder = RepositoryRoot.NewScratchDirectory("mlnet-compiled");
        var data = DataGenerator.Generate(new GeneratorOptions { Customers = 5000, Seed = 23, OutputDirectory = _folder });
        (_rows, _stats) = TrainingData.Load(data.CustomerFile, data.BureauFile, TopUpSchema.Default);
    }

    [OneTimeTearDown]
    public void Delete() => Directory.Delete(_folder, recursive: true);

    [TestCase(TrainerKind.FastTree, "300 trees")]
    [TestCase(TrainerKind.LightGbm, "300 trees")]
    [TestCase(TrainerKind.Logistic, "linear")]
    public void CompiledModelScoresExactlyAsMlNet(TrainerKind trainer, string compiledAs)
    {
        var path = Train(trainer);
        var compiled = ModelFile.Load(path);
        var engine = MlNetModelFile.LoadEngine(path);

        Assert.That(compiled, Is.InstanceOf<CompiledMlNetModel>(), compiled.Kind);
        Assert.That(compiled.Kind, Does.StartWith($"mlnet-{trainer.ToString().ToLowerInvariant()} (compiled: {compiledAs}"));
        Assert.That(engine.Kind, Does.Contain("(ML.NET engine)"));
        var differences = 0;
        foreach (var (numeric, categorical, row) in Rows())
        {
            var expected = engine.Score(numeric, categorical);
            var actual = compiled.Score(numeric, categorical);
            Assert.That(actual.Probability, Is.EqualTo(expected.Probability).Within(1e-6), $"row {row}");
            Assert.That(actual.Prediction, Is.EqualTo(expected.Prediction), $"row {row}");
            if (!actual.Probability.Equals(expected.Probability)) differences++;
        }
        Assert.That(differences, Is.Zero, "the compiled scorer computes ML.NET's float arithmetic, so the probabilities are identical");
    }

    [Test]
    public void ModelTheCompilerDoesNotKnowStaysOnTheEngineAndSaysWhy()
    {
        // A tree model behind a normaliser: train never builds it, so the compiler refuses it.
        var context = new MLContext(seed: 1);
        var schema = MlNetInputRow.Schema(TopUpFeatureSet.Numeric.Count, TopUpFeatureSet.Categorical.Count);
        var view = context.Data.LoadFromEnumerable(
            _rows.Select(r => MlNetInputRow.From(TopUpFeatureSet.Categorical, r.Numeric, r.Categorical, r.Label)).ToList(), schema);
        var pipeline = context.Transforms.ReplaceMissingValues("Filled", MlNetInputRow.NumericColumn)
            .Append(context.Transforms.Categorical.OneHotEncoding("Bag", MlNetInputRow.CategoricalColumn, Microsoft.ML.Transforms.OneHotEncodingEstimator.OutputKind.Bag))
            .Append(context.Transforms.Concatenate("Features", "Filled", "Bag"))
            .Append(context.Transforms.NormalizeMinMax("Features"))
            .Append(context.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options { NumberOfTrees = 5, LabelColumnName = MlNetInputRow.LabelColumn }));
        var path = Path.Combine(_folder, "normalised-trees.zip");
        MlNetModelFile.Write(path, context, pipeline.Fit(view), view.Schema, new MlNetModelFile.Manifest(
            MlNetModelFile.FormatName, MlNetModelFile.FormatVersion, "FastTree", TopUpFeatureSet.Numeric, TopUpFeatureSet.Categorical, 0.5, DateTimeOffset.UtcNow, null));

        var model = ModelFile.Load(path);

        Assert.That(model, Is.InstanceOf<MlNetTopUpModel>());
        Assert.That(model.Kind, Is.EqualTo("mlnet-fasttree (ML.NET engine: a normaliser before a tree model is not compiled)"));
        var (numeric, categorical, _) = Rows().First();
        Assert.That(model.Score(numeric, categorical), Is.EqualTo(MlNetModelFile.LoadEngine(path).Score(numeric, categorical)));
    }

    private string Train(TrainerKind trainer)
    {
        var trained = TopUpModelTrainer.Train(_rows, _stats, TrainingOptions.Default with { Trainers = [trainer] }, null, NullLogger.Instance);
        var path = Path.Combine(_folder, $"{trainer}.zip");
        MlNetModelFile.Write(path, trained.Context, trained.Model, trained.InputSchema, trained.Manifest);
        return path;
    }

    /// <summary>
    /// The joined rows, cycled to <see cref="ScoredRows"/>, with some numbers NaN (null), zero or negative and some
    /// categories null, empty or never seen in training.
    /// </summary>
    private IEnumerable<(double[] Numeric, string?[] Categorical, int Row)> Rows()
    {
        var random = new Random(5);
        for (var row = 0; row < ScoredRows; row++)
        {
            var source = _rows[row % _rows.Count];
            var numeric = source.Numeric.Select(v => random.NextDouble() switch
            {
                < 0.08 => double.NaN,
                < 0.10 => 0,
                < 0.12 => -v,
                _ => v,
            }).ToArray();
            var categorical = source.Categorical.Select(v => random.NextDouble() switch
            {
                < 0.05 => null,
                < 0.10 => "",
                < 0.15 => $"unseen-{row}",
                _ => v,
            }).ToArray();
            yield return (numeric, categorical, row);
        }
    }
}
