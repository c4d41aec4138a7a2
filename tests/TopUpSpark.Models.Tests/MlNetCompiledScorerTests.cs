using System.IO.Compression;
using System.Text.Json.Nodes;
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
/// Every trainer <c>topup-models train</c> offers, trained on generated data: the model file must hold the compiled
/// scorer, ModelFile.Load must score with it, and it must give ML.NET's own probability and prediction on 6,000 rows
/// with NaN numbers, null, empty and unseen categories. A file without the compiled scorer is compiled when loaded; a
/// broken one is a clear error. A model the compiler does not know stays on ML.NET's engine and says why.
/// </summary>
[TestFixture]
public sealed class MlNetCompiledScorerTests
{
    private const int ScoredRows = 6000;

    private string _folder = null!;
    private List<TrainingRow> _rows = null!;
    private readonly Dictionary<TrainerKind, string> _trained = [];
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

        Assert.That(Entries(path), Does.Contain(MlNetModelFile.ScorerEntry), "train stores the compiled scorer, so that loading needs no ML.NET");
        Assert.That(compiled, Is.InstanceOf<CompiledMlNetModel>(), compiled.Kind);
        Assert.That(compiled.Kind, Does.StartWith($"mlnet-{trainer.ToString().ToLowerInvariant()} (compiled: {compiledAs}"));
        Assert.That(engine.Kind, Does.Contain("(ML.NET engine)"));
        AssertScoresAlike(compiled, engine);
    }

    [Test]
    public void TheCompiledScorerIsAllLoadingReads()
    {
        var path = Train(TrainerKind.FastTree);
        var withoutMlNet = Rewritten(path, "unreadable-mlnet", MlNetModelFile.ModelEntry, _ => "not an ML.NET model"u8.ToArray());

        var model = ModelFile.Load(withoutMlNet);

        Assert.That(model, Is.InstanceOf<CompiledMlNetModel>());
        Assert.That(() => MlNetModelFile.LoadEngine(withoutMlNet), Throws.InstanceOf<ModelFileException>(), "the ML.NET model really is unreadable");
        AssertScoresAlike(model, MlNetModelFile.LoadEngine(path));
    }

    [Test]
    public void AFileWithoutTheCompiledScorerIsCompiledWhenLoaded()
    {
        var path = Train(TrainerKind.LightGbm);
        var older = Rewritten(path, "older", MlNetModelFile.ScorerEntry, _ => null);

        var model = ModelFile.Load(older);

        Assert.That(Entries(older), Does.Not.Contain(MlNetModelFile.ScorerEntry));
        Assert.That(model, Is.InstanceOf<CompiledMlNetModel>().With.Property(nameof(CompiledMlNetModel.CompiledAtLoad)).True);
        Assert.That(model.Kind, Is.EqualTo("mlnet-lightgbm (compiled at load: 300 trees)"), "the job's log tells that this file loads through ML.NET");
        Assert.That(ModelFile.Load(path), Is.InstanceOf<CompiledMlNetModel>().With.Property(nameof(CompiledMlNetModel.CompiledAtLoad)).False);
        AssertScoresAlike(model, MlNetModelFile.LoadEngine(path));
    }

    [TestCase("not json", "is an invalid JSON literal")]
    [TestCase("missing tokens", "missing required properties")]
    [TestCase("a token twice", "comes twice")]
    [TestCase("a child before its parent", "out of order")]
    [TestCase("a node reached twice", "is reached twice")]
    [TestCase("a split on no feature", "split on feature")]
    [TestCase("a leaf too few", "do not make a binary tree")]
    [TestCase("one replacement too few", "NaN replacements for")]
    public void ABrokenCompiledScorerIsAClearError(string broken, string reason)
    {
        var path = Train(TrainerKind.FastTree);
        var file = Rewritten(path, broken.Replace(' ', '-'), MlNetModelFile.ScorerEntry, bytes =>
        {
            if (broken == "not json") return "not json"u8.ToArray();
            var scorer = JsonNode.Parse(bytes)!.AsObject();
            var tree = scorer["trees"]![0]!.AsObject();
            switch (broken)
            {
                case "missing tokens": scorer.Remove("tokens"); break;
                case "a token twice": scorer["tokens"]!.AsArray().Add(scorer["tokens"]![0]!.GetValue<string>()); break;
                case "a child before its parent": tree["leftChild"]![1] = 0; break;
                case "a node reached twice": tree["rightChild"]![0] = tree["leftChild"]![0]!.GetValue<int>(); break;
                case "a split on no feature": tree["splitFeatures"]![0] = 100_000; break;
                case "a leaf too few": tree["leafValues"]!.AsArray().RemoveAt(0); break;
                case "one replacement too few": scorer["replacements"]!.AsArray().RemoveAt(0); break;
            }
            return System.Text.Encoding.UTF8.GetBytes(scorer.ToJsonString());
        });

        var error = Assert.Throws<ModelFileException>(() => ModelFile.Load(file))!;

        Assert.That(error.Message, Does.StartWith($"{file}: {MlNetModelFile.ScorerEntry} is not a usable compiled scorer: "));
        Assert.That(error.Message, Does.Contain(reason));
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
        MlNetModelFile.Write(path, context, pipeline.Fit(view), view.Schema, new MlNetManifest(
            MlNetModelFile.FormatName, MlNetModelFile.FormatVersion, "FastTree", TopUpFeatureSet.Numeric, TopUpFeatureSet.Categorical, 0.5, DateTimeOffset.UtcNow, null));

        var model = ModelFile.Load(path);

        Assert.That(model, Is.InstanceOf<MlNetTopUpModel>());
        Assert.That(model.Kind, Is.EqualTo("mlnet-fasttree (ML.NET engine: a normaliser before a tree model is not compiled)"));
        var (numeric, categorical, _) = Rows().First();
        Assert.That(model.Score(numeric, categorical), Is.EqualTo(MlNetModelFile.LoadEngine(path).Score(numeric, categorical)));
    }

    private void AssertScoresAlike(ITopUpModel compiled, ITopUpModel engine)
    {
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

    private static List<string> Entries(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        return zip.Entries.Select(e => e.FullName).ToList();
    }

    /// <summary>A copy of the model file at <paramref name="path"/> with <paramref name="entry"/> changed, or left out where the change gives null.</summary>
    private string Rewritten(string path, string name, string entry, Func<byte[], byte[]?> change)
    {
        var copy = Path.Combine(_folder, name + ".zip");
        File.Copy(path, copy, overwrite: true);
        using var zip = ZipFile.Open(copy, ZipArchiveMode.Update);
        var original = zip.GetEntry(entry)!;
        using var content = new MemoryStream();
        using (var stream = original.Open()) stream.CopyTo(content);
        original.Delete();
        if (change(content.ToArray()) is { } changed)
        {
            using var stream = zip.CreateEntry(entry).Open();
            stream.Write(changed);
        }
        return copy;
    }

    private string Train(TrainerKind trainer)
    {
        if (_trained.TryGetValue(trainer, out var done)) return done;
        var trained = TopUpModelTrainer.Train(_rows, _stats, TrainingOptions.Default with { Trainers = [trainer] }, null, NullLogger.Instance);
        var path = Path.Combine(_folder, $"{trainer}.zip");
        MlNetModelFile.Write(path, trained.Context, trained.Model, trained.InputSchema, trained.Manifest);
        return _trained[trainer] = path;
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
