using TopUpSpark.Models.SparkImport;
using TopUpSpark.Scoring;
using TopUpSpark.Scoring.Spark;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Models.Tests;

/// <summary>The course's real Spark 3.3 PipelineModel, read in place from ../shared.</summary>
public sealed class CourseModelTests : SparkTestBase
{
    private static readonly string[] Numeric =
        ["AssetCost", "DisbursalAmount", "EMI", "MonthlyIncome", "SELF-INDICATOR_sum", "ACCT-TYPE_dist", "DISBURSED-AMT/HIGH CREDIT_sum", "CURRENT-BAL_sum"];

    private static readonly string[] Categorical = ["LoanStatus", "BranchID", "Area", "Tenure", "ManufacturerID", "City", "State"];

    private SparkPipelineModel _model = null!;
    private SparkPipelineModel _keeping = null!;

    [SetUp]
    public async Task Import()
    {
        var imported = await SparkPipelineImporter.ImportAsync(SharedFixtures.SparkTopUpPipelineModel);
        var file = Path.Combine(Scratch, "course.json");
        SparkPipelineFile.Write(file, imported.Pipeline, SharedFixtures.SparkTopUpPipelineModel, DateTimeOffset.UtcNow);
        _model = (SparkPipelineModel)ModelFile.Load(file);
        _keeping = (SparkPipelineModel)ModelFile.Load(file, AssemblerInvalidHandling.Keep);
    }

    [Test]
    public void LoadsWith937FeaturesAnd20Trees()
    {
        Assert.That(_model.FeatureCount, Is.EqualTo(937));
        Assert.That(_model.TreeCount, Is.EqualTo(20));
        Assert.That(_model.Kind, Is.EqualTo("spark-pipeline (GBTClassificationModel, 20 trees)"));
        Assert.That(_model.NumericInputs, Is.EqualTo(Numeric));
        Assert.That(_model.CategoricalInputs, Is.EqualTo(Categorical));
        Assert.That(_model.Definition.SparkVersion, Is.EqualTo("3.3.0"));
        Assert.That(_model.AssemblerHandling, Is.EqualTo(AssemblerInvalidHandling.Error), "the course model keeps Spark's default");
        Assert.That(_keeping.AssemblerHandling, Is.EqualTo(AssemblerInvalidHandling.Keep));
    }

    /// <summary>
    /// Row A, walked by hand (feature numbers are positions in the 937-wide vector: 0–7 the numbers, then the
    /// one-hot blocks LoanStatus 8–9, BranchID 10–201, Area 202–302, Tenure 303–429, ManufacturerID 430–440,
    /// City 441–915, State 916–936).
    /// Tree 0: node 0 CURRENT-BAL_sum (f7) 100000 ≤ 148231.5 → left (1); node 1 ManufacturerID=1049 (f437) is 0,
    ///   0 ∈ {0} → left (2); node 2 BranchID=198 (f24) 0 → left (3); node 3 BranchID=264 (f31) 0 → left (4);
    ///   node 4 Area=DEHRADUN (f244) 0 → left: leaf 5, prediction −0.6704264430906569.
    /// Tree 1 (weight 0.1): node 0 BranchID=317 (f79) 0 ∈ {0} → left (1); node 1 State=TELANGANA (f926) 0 → left (2);
    ///   node 2 DISBURSED-AMT/HIGH CREDIT_sum (f6) 300000 ≤ 400042 → left (3); node 3 CURRENT-BAL_sum 100000 ≤ 1? no → right (7);
    ///   node 7 SELF-INDICATOR_sum (f4) 1 ≤ 1.5 → left: leaf 8, prediction −0.22072274418942503.
    /// </summary>
    [Test]
    public void RowAFollowsTheHandWrittenWalk()
    {
        double[] numeric = [600_000, 400_000, 15_000, 30_000, 1, 2, 300_000, 100_000];
        string?[] categorical = ["Active", "24", "LUCKNOW", "36", "1186", "LUCKNOW", "UTTAR PRADESH"];

        CheckWalk(numeric, categorical, leafTree0: 5, predictionTree0: -0.6704264430906569, leafTree1: 8, predictionTree1: -0.22072274418942503);
    }

    /// <summary>
    /// Row B. Tree 0: node 0 CURRENT-BAL_sum 500000 > 148231.5 → right (24); node 24 SELF-INDICATOR_sum 3 > 1.5 → right (38);
    ///   node 38 LoanStatus=Closed (f8) is 1, 1 ∈ {1} → left (39); node 39 ManufacturerID=1049 (f437) is 1, 1 ∉ {0} → right (43);
    ///   node 43 SELF-INDICATOR_sum 3 ≤ 5.5 → left: leaf 44, prediction 0.8149779735682819.
    /// Tree 1: node 0 BranchID=317 (f79) is 1 ∉ {0} → right (32); node 32 DISBURSED-AMT/HIGH CREDIT_sum 300000 ≤ 446054 → left (33);
    ///   node 33 Tenure=180 (f357) is 0 ∉ {1} → right (37); node 37 MonthlyIncome (f3) 50000 ≤ 12538.335? no → right (39);
    ///   node 39 ACCT-TYPE_dist (f5) 2 ≤ 2.5 → left: leaf 40, prediction 2.9007147194085867.
    /// </summary>
    [Test]
    public void RowBFollowsTheHandWrittenWalk()
    {
        double[] numeric = [800_000, 500_000, 20_000, 50_000, 3, 2, 300_000, 500_000];
        string?[] categorical = ["Closed", "317", "LUCKNOW", "36", "1049", "LUCKNOW", "UTTAR PRADESH"];

        CheckWalk(numeric, categorical, leafTree0: 44, predictionTree0: 0.8149779735682819, leafTree1: 40, predictionTree1: 2.9007147194085867);
    }

    private void CheckWalk(double[] numeric, string?[] categorical, int leafTree0, double predictionTree0, int leafTree1, double predictionTree1)
    {
        var gbt = _model.Definition.Stages.OfType<GbtClassifierStage>().Single();
        var (raw, leaves) = _model.Explain(numeric, categorical);

        Assert.That(leaves[0], Is.EqualTo(leafTree0));
        Assert.That(leaves[1], Is.EqualTo(leafTree1));
        Assert.That(gbt.Trees[0].Nodes[leafTree0].Prediction, Is.EqualTo(predictionTree0));
        Assert.That(gbt.Trees[1].Nodes[leafTree1].Prediction, Is.EqualTo(predictionTree1));
        Assert.That((gbt.Trees[0].Weight, gbt.Trees[1].Weight), Is.EqualTo((1.0, 0.1)));

        // The margin is the weighted sum of the 20 leaves reached, in tree order; trees 0 and 1 contribute as walked above.
        var margin = 0.0;
        for (var t = 0; t < gbt.Trees.Count; t++) margin += gbt.Trees[t].Nodes[leaves[t]].Prediction * gbt.Trees[t].Weight;
        var features = DenseSparkReference.Features(_model.Definition, Numeric, numeric, Categorical, categorical);
        Assert.That(raw.Raw1, Is.EqualTo(margin));
        Assert.That(raw.Raw1, Is.EqualTo(DenseSparkReference.GbtMargin(_model.Definition, features)));
        var score = _model.Score(numeric, categorical);
        Assert.That(score.Probability, Is.EqualTo(GbtProbability(margin)).Within(1e-12));
        Assert.That(score.Prediction, Is.EqualTo(margin > 0 ? 1 : 0));
    }

    [Test]
    public void UnseenAndNullLabelsEncodeAsAllZeroOneHots()
    {
        double[] numeric = [600_000, 400_000, 15_000, 30_000, 1, 2, 300_000, 100_000];
        string?[] unseen = ["Written-off", "B-999", "ATLANTIS", "7 years", "M-000", "GOTHAM", "NEW STATE"];
        string?[] nulls = [null, null, null, null, null, null, null];

        var features = DenseSparkReference.Features(_model.Definition, Numeric, numeric, Categorical, unseen);
        Assert.That(features.Skip(8).All(v => v == 0), "unseen labels index to numLabels, the dropped last one-hot position");
        Assert.That(_model.Score(numeric, unseen), Is.EqualTo(_model.Score(numeric, nulls)));
        Assert.That(_model.Explain(numeric, unseen).Score.Raw1, Is.EqualTo(DenseSparkReference.GbtMargin(_model.Definition, features)));
    }

    [Test]
    public void NullNumberFailsAsSavedAndGoesRightWithKeep()
    {
        double[] numeric = [600_000, 400_000, 15_000, 30_000, 1, 2, 300_000, double.NaN];
        string?[] categorical = ["Active", "24", "LUCKNOW", "36", "1186", "LUCKNOW", "UTTAR PRADESH"];

        var error = Assert.Throws<ScoringException>(() => _model.Score(numeric, categorical));
        Assert.That(error!.Message, Does.Contain("'CURRENT-BAL_sum'"));

        var (raw, leaves) = _keeping.Explain(numeric, categorical);
        var tree0 = _model.Definition.Stages.OfType<GbtClassifierStage>().Single().Trees[0];
        Assert.That(leaves[0], Is.Not.EqualTo(5), "tree 0 root (CURRENT-BAL_sum ≤ 148231.5) sends NaN right, away from row A's leaf");
        Assert.That(tree0.Nodes[leaves[0]].Id, Is.GreaterThanOrEqualTo(24), "the right subtree of the root starts at node 24");
        var features = DenseSparkReference.Features(_model.Definition, Numeric, numeric, Categorical, categorical);
        Assert.That(raw.Raw1, Is.EqualTo(DenseSparkReference.GbtMargin(_model.Definition, features)));
    }

    [Test]
    public void FastScorerEqualsTheDenseComputationOnRandomRows()
    {
        var random = new Random(20240601);
        var indexer = _model.Definition.Stages.OfType<StringIndexerStage>().Single();
        var gbt = _model.Definition.Stages.OfType<GbtClassifierStage>().Single();
        // Thresholds actually used per numeric feature, so rows hit the "equal goes left" boundary too.
        var thresholds = Enumerable.Range(0, Numeric.Length).Select(f => gbt.Trees.SelectMany(t => t.Nodes)
            .Where(n => n.Split is { IsCategorical: false } s && s.FeatureIndex == f).Select(n => n.Split!.LeftCategoriesOrThreshold[0]).ToArray()).ToArray();
        for (var row = 0; row < 5000; row++)
        {
            var numeric = new double[Numeric.Length];
            for (var f = 0; f < numeric.Length; f++)
            {
                var draw = random.NextDouble();
                numeric[f] = draw < 0.05 ? double.NaN
                    : draw < 0.35 && thresholds[f].Length > 0 ? thresholds[f][random.Next(thresholds[f].Length)]
                    : Math.Round(random.NextDouble() * Math.Pow(10, random.Next(1, 7)), random.Next(0, 3));
            }
            var categorical = new string?[Categorical.Length];
            for (var c = 0; c < categorical.Length; c++)
            {
                var labels = indexer.LabelsArray[indexer.InputCols.ToList().IndexOf(Categorical[c])];
                var draw = random.NextDouble();
                categorical[c] = draw < 0.05 ? null : draw < 0.1 ? "unseen-" + row : labels[random.Next(labels.Count)];
            }

            var features = DenseSparkReference.Features(_model.Definition, Numeric, numeric, Categorical, categorical);
            var margin = DenseSparkReference.GbtMargin(_model.Definition, features);
            var (raw, _) = _keeping.Explain(numeric, categorical);
            var score = _keeping.Score(numeric, categorical);
            Assert.That(raw.Raw1, Is.EqualTo(margin), $"row {row}");
            Assert.That(score, Is.EqualTo(new ModelScore(raw.Prediction, raw.Probability1)), $"row {row}: the leaf-set lookup finds the walked leaves");
            Assert.That(score.Probability, Is.EqualTo(GbtProbability(margin)).Within(1e-12), $"row {row}");
            Assert.That(score.Prediction, Is.EqualTo(margin > 0 ? 1 : 0), $"row {row}");
        }
    }

    [Test]
    public async Task ConvertedFileScoresExactlyLikeTheFolder()
    {
        var direct = SparkPipelineCompiler.Compile((await SparkPipelineImporter.ImportAsync(SharedFixtures.SparkTopUpPipelineModel)).Pipeline);
        double[] numeric = [800_000, 500_000, 20_000, 50_000, 3, 2, 300_000, 500_000];
        string?[] categorical = ["Closed", "317", "LUCKNOW", "36", "1049", "LUCKNOW", "UTTAR PRADESH"];

        Assert.That(_model.Score(numeric, categorical), Is.EqualTo(direct.Score(numeric, categorical)));
    }
}
