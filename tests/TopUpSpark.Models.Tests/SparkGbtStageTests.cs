using TopUpSpark.Scoring;
using static TopUpSpark.Models.Tests.TreeNode;

namespace TopUpSpark.Models.Tests;

/// <summary>
/// StringIndexer → OneHotEncoder → VectorAssembler → GBT on a tiny model whose outputs are worked out by hand.
/// Features: f0 = x, f1 = color is red, f2 = green, f3 = blue (labels saved in that order; with keep an
/// unseen or null color gets index 3 = number of labels, which the dropLast one-hot of size 3 encodes as all zeros).
/// </summary>
public sealed class SparkGbtStageTests : SparkTestBase
{
    // tree 0 (weight 1.0):  x <= 10 ? (green ∈ {1} ? 0.5 : -0.25) : 0.75     continuous, then categorical on a one-hot
    // tree 1 (weight 0.1):  red ∈ {0} ? -1.0 : 2.0                            categorical: left when NOT red
    // tree 2 (weight 0.5):  blue <= 0.5 ? 0.0 : 1.0                           continuous split on a one-hot feature
    private SparkModelFolder ColorModel(string indexerInvalid = "keep", string? assemblerInvalid = null) => Folder()
        .StringIndexer("si", ["color"], ["color_idx"], [["red", "green", "blue"]], indexerInvalid)
        // keep adds the unknown category (size 4) that dropLast then drops; without keep, dropLast=false keeps all 3.
        .OneHotEncoder("ohe", ["color_idx"], ["color_vec"], [indexerInvalid == "keep" ? 4 : 3], dropLast: indexerInvalid == "keep")
        .VectorAssembler("va", ["x", "color_vec"], "features", assemblerInvalid)
        .Gbt("gbt", "features", 4,
        [
            (1.0, Continuous(0, 10, Categorical(2, [1], 2, Leaf(0.5), Leaf(-0.25)), Leaf(0.75))),
            (0.1, Categorical(1, [0], 2, Leaf(-1.0), Leaf(2.0))),
            (0.5, Continuous(3, 0.5, Leaf(0.0), Leaf(1.0))),
        ]);

    [Test]
    public async Task ModelReportsItsInputsAndShape()
    {
        var model = await LoadAsync(ColorModel());

        Assert.That(model.Kind, Is.EqualTo("spark-pipeline (GBTClassificationModel, 3 trees)"));
        Assert.That(model.NumericInputs, Is.EqualTo(new[] { "x" }));
        Assert.That(model.CategoricalInputs, Is.EqualTo(new[] { "color" }));
        Assert.That(model.FeatureCount, Is.EqualTo(4));
        Assert.That(model.AssemblerHandling, Is.EqualTo(AssemblerInvalidHandling.Error), "Spark's default when the param was never set");
    }

    // x, color → hand-walked leaves (tree0, tree1, tree2) and the margin Σ weight·leaf in tree order.
    [TestCase(5.0, "green", 0.5 * 1.0 + -1.0 * 0.1 + 0.0 * 0.5, new[] { 2, 1, 1 }, TestName = "x<=10 & green: 0.5, not red: -1, not blue: 0")]
    [TestCase(20.0, "red", 0.75 * 1.0 + 2.0 * 0.1 + 0.0 * 0.5, new[] { 4, 2, 1 }, TestName = "x>10: 0.75, red: 2, not blue: 0")]
    [TestCase(5.0, "blue", -0.25 * 1.0 + -1.0 * 0.1 + 1.0 * 0.5, new[] { 3, 1, 2 }, TestName = "x<=10 & not green: -0.25, not red: -1, blue: 1")]
    [TestCase(5.0, "purple", -0.25 * 1.0 + -1.0 * 0.1 + 0.0 * 0.5, new[] { 3, 1, 1 }, TestName = "unseen label: index 3 = all-zero one-hot")]
    [TestCase(5.0, null, -0.25 * 1.0 + -1.0 * 0.1 + 0.0 * 0.5, new[] { 3, 1, 1 }, TestName = "null label: index 3 = all-zero one-hot")]
    [TestCase(10.0, "GREEN", -0.25 * 1.0 + -1.0 * 0.1 + 0.0 * 0.5, new[] { 3, 1, 1 }, TestName = "labels match exactly: GREEN is unseen; 10 <= 10 goes left")]
    public async Task GbtScoresAsHandComputed(double x, string? color, double margin, int[] leaves)
    {
        var model = await LoadAsync(ColorModel());

        var (raw, leafIds) = model.Explain([x], [color]);
        var score = model.Score([x], [color]);

        Assert.That(leafIds, Is.EqualTo(leaves));
        Assert.That(raw.Raw1, Is.EqualTo(margin), "margin = Σ treeWeight·leafPrediction");
        Assert.That(raw.Raw0, Is.EqualTo(-margin));
        Assert.That(score.Probability, Is.EqualTo(GbtProbability(margin)).Within(1e-15));
        Assert.That(raw.Probability0 + raw.Probability1, Is.EqualTo(1.0).Within(1e-15));
        Assert.That(score.Prediction, Is.EqualTo(margin > 0 ? 1 : 0));
    }

    [Test]
    public async Task NullNumberFailsTheRowWhenTheAssemblerSaysError()
    {
        var model = await LoadAsync(ColorModel());

        var error = Assert.Throws<ScoringException>(() => model.Score([double.NaN], ["red"]));

        Assert.That(error!.Kind, Is.EqualTo(ScoringFailureKind.Rejected));
        Assert.That(error.Message, Does.Contain("VectorAssembler 'va'").And.Contain("'x'").And.Contain("handleInvalid=error"));
    }

    [Test]
    public async Task NullNumberIsNaNAndGoesRightWhenTheAssemblerKeeps()
    {
        var saved = await LoadAsync(ColorModel(assemblerInvalid: "keep"));
        var overridden = await LoadAsync(ColorModel(), AssemblerInvalidHandling.Keep);

        foreach (var model in new[] { saved, overridden })
        {
            var (raw, leafIds) = model.Explain([double.NaN], ["red"]);
            Assert.That(model.AssemblerHandling, Is.EqualTo(AssemblerInvalidHandling.Keep));
            Assert.That(leafIds[0], Is.EqualTo(4), "NaN <= 10 is false, so NaN goes right");
            Assert.That(raw.Raw1, Is.EqualTo(0.75 * 1.0 + 2.0 * 0.1 + 0.0 * 0.5));
        }
    }

    [Test]
    public async Task NullNumberDropsTheRowWhenTheAssemblerSkips()
    {
        var model = await LoadAsync(ColorModel(assemblerInvalid: "skip"));

        var error = Assert.Throws<ScoringException>(() => model.Score([double.NaN], ["red"]));

        Assert.That(error!.Kind, Is.EqualTo(ScoringFailureKind.Skipped));
        Assert.That(model.Score([1.0], ["red"]).Prediction, Is.EqualTo(0), "rows without nulls are still scored");
    }

    [Test]
    public async Task OverrideWinsOverTheSavedSetting()
    {
        var model = await LoadAsync(ColorModel(assemblerInvalid: "skip"), AssemblerInvalidHandling.Error);

        Assert.That(Assert.Throws<ScoringException>(() => model.Score([double.NaN], ["red"]))!.Kind, Is.EqualTo(ScoringFailureKind.Rejected));
    }

    [TestCase("purple", "unseen label 'purple'")]
    [TestCase(null, "null value")]
    public async Task IndexerWithErrorRejectsUnseenAndNullLabels(string? color, string expected)
    {
        var model = await LoadAsync(ColorModel(indexerInvalid: "error"));

        var error = Assert.Throws<ScoringException>(() => model.Score([1.0], [color]));

        Assert.That(error!.Kind, Is.EqualTo(ScoringFailureKind.Rejected));
        Assert.That(error.Message, Does.Contain("StringIndexerModel 'si'").And.Contain(expected).And.Contain("'color'"));
    }

    [Test]
    public async Task IndexerWithErrorDropsTheLastCategoryFromTheOneHot()
    {
        // Without keep there is no extra "unknown" category: categorySize 3, dropLast → [red, green]; blue is all zeros.
        var model = await LoadAsync(Folder()
            .StringIndexer("si", ["color"], ["color_idx"], [["red", "green", "blue"]])
            .OneHotEncoder("ohe", ["color_idx"], ["color_vec"], [3])
            .VectorAssembler("va", ["color_vec"], "features")
            .LogisticRegression("lr", "features", [1.0, 2.0], 0.0));

        Assert.That(model.Explain([], ["red"]).Score.Raw1, Is.EqualTo(1.0));
        Assert.That(model.Explain([], ["green"]).Score.Raw1, Is.EqualTo(2.0));
        Assert.That(model.Explain([], ["blue"]).Score.Raw1, Is.EqualTo(0.0));
    }

    [TestCase("purple")]
    [TestCase(null)]
    public async Task IndexerWithSkipDropsUnseenAndNullLabels(string? color)
    {
        var model = await LoadAsync(ColorModel(indexerInvalid: "skip"));

        Assert.That(Assert.Throws<ScoringException>(() => model.Score([1.0], [color]))!.Kind, Is.EqualTo(ScoringFailureKind.Skipped));
        Assert.That(model.Score([1.0], ["green"]).Probability, Is.GreaterThan(0));
    }

    [Test]
    public async Task MultiColumnIndexerKeepsEachColumnsLabels()
    {
        // Two columns indexed by one stage; "a" is label 0 of the first column but label 1 of the second.
        var model = await LoadAsync(Folder()
            .StringIndexer("si", ["first", "second"], ["first_idx", "second_idx"], [["a", "b"], ["b", "a"]], "keep", "alphabetAsc")
            .VectorAssembler("va", ["first_idx", "second_idx"], "features")
            .LogisticRegression("lr", "features", [1.0, 10.0], 0.0));

        Assert.That(model.CategoricalInputs, Is.EqualTo(new[] { "first", "second" }));
        Assert.That(model.Explain([], ["a", "a"]).Score.Raw1, Is.EqualTo(0 * 1.0 + 1 * 10.0));
        Assert.That(model.Explain([], ["b", "zzz"]).Score.Raw1, Is.EqualTo(1 * 1.0 + 2 * 10.0), "unseen in column 2 → its label count, 2");
    }

    [Test]
    public async Task ThresholdsParamDecidesThePrediction()
    {
        // margin 0.4 → P(1) = 0.69; thresholds [0.2, 0.9]: 0.31/0.2 = 1.55 > 0.69/0.9 = 0.77, so class 0 wins.
        var model = await LoadAsync(Folder()
            .VectorAssembler("va", ["x"], "features")
            .Gbt("gbt", "features", 1, [(1.0, Leaf(0.4))], thresholds: [0.2, 0.9]));

        var score = model.Score([0.0], []);

        Assert.That(score.Probability, Is.EqualTo(GbtProbability(0.4)).Within(1e-15));
        Assert.That(score.Prediction, Is.EqualTo(0));
    }
}
