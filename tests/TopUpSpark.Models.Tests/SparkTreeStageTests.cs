using System.Text.Json.Nodes;
using TopUpSpark.Scoring;
using static TopUpSpark.Models.Tests.TreeNode;

namespace TopUpSpark.Models.Tests;

/// <summary>Decision tree and random forest probabilities, categorical splits on indexed columns, and refusals.</summary>
public sealed class SparkTreeStageTests : SparkTestBase
{
    // x <= 1 ? counts [3, 1] : counts [1, 4]
    private static TreeNode FirstTree => Continuous(0, 1.0, Leaf(0, 3, 1), Leaf(1, 1, 4));

    // x <= 0 ? counts [2, 2] : counts [1, 9]
    private static TreeNode SecondTree => Continuous(0, 0.0, Leaf(0, 2, 2), Leaf(1, 1, 9));

    [TestCase(0.5, 1.0 / (3 + 1), 0)]
    [TestCase(2.0, 4.0 / (1 + 4), 1)]
    public async Task DecisionTreeProbabilityIsTheLeafsClassShare(double x, double probability, int prediction)
    {
        var model = await LoadAsync(Folder().VectorAssembler("va", ["x"], "features").DecisionTree("dt", "features", 1, FirstTree));

        Assert.That(model.Kind, Is.EqualTo("spark-pipeline (DecisionTreeClassificationModel, 1 trees)"));
        Assert.That(model.Score([x], []), Is.EqualTo(new ModelScore(prediction, probability)));
    }

    [Test]
    public async Task RandomForestAveragesEachTreesNormalizedCounts()
    {
        var model = await LoadAsync(Folder().VectorAssembler("va", ["x"], "features").RandomForest("rf", "features", 1, [FirstTree, SecondTree]));

        // x = 0.5: tree 0 → [3, 1]/4 = [0.75, 0.25]; tree 1 → [1, 9]/10 = [0.1, 0.9]; votes [0.85, 1.15].
        var votes0 = 0.0 + 3.0 / 4 + 1.0 / 10;
        var votes1 = 0.0 + 1.0 / 4 + 9.0 / 10;
        var (raw, leaves) = model.Explain([0.5], []);

        Assert.That(leaves, Is.EqualTo(new[] { 1, 2 }));
        Assert.That((raw.Raw0, raw.Raw1), Is.EqualTo((votes0, votes1)));
        Assert.That(raw.Probability1, Is.EqualTo(votes1 / (votes0 + votes1)));
        Assert.That(raw.Prediction, Is.EqualTo(1));
    }

    [Test]
    public async Task RandomForestThresholdsCanOverrideTheVote()
    {
        // P = [0.425, 0.575]; thresholds [0.3, 0.7]: 0.425/0.3 = 1.42 beats 0.575/0.7 = 0.82 → class 0.
        var model = await LoadAsync(Folder().VectorAssembler("va", ["x"], "features")
            .RandomForest("rf", "features", 1, [FirstTree, SecondTree], thresholds: [0.3, 0.7]));

        Assert.That(model.Score([0.5], []).Prediction, Is.EqualTo(0));
    }

    /// <summary>
    /// Spark keeps the smaller side of a categorical split: with 3 categories and left {0, 2} it stores the
    /// right set {1} and sends everything not in it left — including the keep-index 3 of an unseen label.
    /// With left {1} it stores {1} as the left set, so the unseen index goes right.
    /// </summary>
    [TestCase(new[] { 0.0, 2.0 }, "a", 0.0)]
    [TestCase(new[] { 0.0, 2.0 }, "b", 1.0)]
    [TestCase(new[] { 0.0, 2.0 }, "c", 0.0)]
    [TestCase(new[] { 0.0, 2.0 }, "unseen", 0.0)]
    [TestCase(new[] { 1.0 }, "a", 1.0)]
    [TestCase(new[] { 1.0 }, "b", 0.0)]
    [TestCase(new[] { 1.0 }, "unseen", 1.0)]
    public async Task CategoricalSplitOnAnIndexedColumn(double[] leftCategories, string label, double probability)
    {
        var model = await LoadAsync(Folder()
            .StringIndexer("si", ["letter"], ["letter_idx"], [["a", "b", "c"]], "keep")
            .VectorAssembler("va", ["letter_idx"], "features")
            .DecisionTree("dt", "features", 1, Categorical(0, leftCategories, 3, Leaf(0, 5, 0), Leaf(1, 0, 5))));

        Assert.That(model.Score([], [label]).Probability, Is.EqualTo(probability));
    }

    [Test]
    public async Task ConvertedFileKeepsEveryValueBitForBit()
    {
        // Thresholds and leaves that need all 17 significant digits survive the JSON file.
        var threshold = 0.1 + 0.2;
        var leaf = Math.PI / 3;
        var model = await LoadAsync(Folder().VectorAssembler("va", ["x"], "features")
            .Gbt("gbt", "features", 1, [(0.1, Continuous(0, threshold, Leaf(leaf), Leaf(-leaf)))]));

        Assert.That(model.Explain([threshold], []).Score.Raw1, Is.EqualTo(leaf * 0.1), "x equal to the threshold goes left");
        Assert.That(model.Explain([Math.BitIncrement(threshold)], []).Score.Raw1, Is.EqualTo(-leaf * 0.1));
    }

    [Test]
    public async Task UnsupportedStageIsNamed()
    {
        var message = await ImportErrorAsync(Folder()
            .Other("bucketizer_1", "org.apache.spark.ml.feature.Bucketizer", new JsonObject { ["inputCol"] = "x", ["outputCol"] = "x_bucket" })
            .VectorAssembler("va", ["x_bucket"], "features")
            .DecisionTree("dt", "features", 1, FirstTree));

        Assert.That(message, Does.Contain("org.apache.spark.ml.feature.Bucketizer").And.Contain("not supported"));
    }

    [TestCase("2.4.8")]
    [TestCase("4.0.0")]
    public async Task UnsupportedSparkVersionIsNamed(string version)
    {
        var message = await ImportErrorAsync(Folder(version).VectorAssembler("va", ["x"], "features").DecisionTree("dt", "features", 1, FirstTree));

        Assert.That(message, Does.Contain($"Spark {version}").And.Contain("not supported"));
    }

    [Test]
    public async Task GbtWithAnotherLossIsRefused()
    {
        var folder = Folder().VectorAssembler("va", ["x"], "features").Gbt("gbt", "features", 1, [(1.0, Leaf(0.5))])
            .SetParam("gbt", "lossType", JsonValue.Create("squared")!);

        Assert.That(await ImportErrorAsync(folder), Does.Contain("lossType 'squared'"));
    }

    [Test]
    public async Task FeatureCountMustMatchTheAssembler()
    {
        var message = await ImportErrorAsync(Folder().VectorAssembler("va", ["x"], "features").Gbt("gbt", "features", 2, [(1.0, Leaf(0.5))]));

        Assert.That(message, Does.Contain("expects 2 features but 'features' has 1"));
    }

    [Test]
    public async Task SplitOnAMissingFeatureIsRefused()
    {
        var message = await ImportErrorAsync(Folder().VectorAssembler("va", ["x"], "features")
            .Gbt("gbt", "features", 1, [(1.0, Continuous(5, 0.5, Leaf(1), Leaf(2)))]));

        Assert.That(message, Does.Contain("split on feature 5"));
    }
}
