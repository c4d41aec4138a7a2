using System.Text.Json.Nodes;
using TopUpSpark.Scoring;

namespace TopUpSpark.Models.Tests;

/// <summary>
/// OneHotEncoder (dropLast × handleInvalid), StandardScaler and LogisticRegression. The one-hot tests read the
/// encoded vector through a logistic regression with coefficients 1, 2, 4, 8: its margin is the sum of the
/// hot positions' coefficients, so it names exactly which position is hot.
/// </summary>
public sealed class SparkEncoderAndLinearStageTests : SparkTestBase
{
    private SparkModelFolder SlotModel(bool dropLast, string handleInvalid, string? assemblerInvalid = null)
    {
        // categorySize 3; configured vector size: keep & !dropLast → 4, !keep & dropLast → 2, otherwise 3.
        var size = (dropLast, handleInvalid) switch { (false, "keep") => 4, (true, "error") => 2, _ => 3 };
        return Folder()
            .OneHotEncoder("ohe", ["slot"], ["slot_vec"], [3], dropLast, handleInvalid)
            .VectorAssembler("va", ["slot_vec"], "features", assemblerInvalid)
            .LogisticRegression("lr", "features", new[] { 1.0, 2.0, 4.0, 8.0 }[..size], 0.0);
    }

    [TestCase(true, "error", 0.0, 1.0, TestName = "dropLast, error: 0 → position 0")]
    [TestCase(true, "error", 1.0, 2.0, TestName = "dropLast, error: 1 → position 1")]
    [TestCase(true, "error", 2.0, 0.0, TestName = "dropLast, error: the last category 2 is all zeros")]
    [TestCase(true, "error", 1.7, 2.0, TestName = "a fractional index is truncated: 1.7 → position 1")]
    [TestCase(false, "error", 2.0, 4.0, TestName = "no dropLast, error: 2 → position 2")]
    [TestCase(false, "keep", 2.0, 4.0, TestName = "no dropLast, keep: 2 → position 2")]
    [TestCase(false, "keep", 3.0, 8.0, TestName = "no dropLast, keep: invalid 3 → the extra position 3")]
    [TestCase(false, "keep", -1.0, 8.0, TestName = "no dropLast, keep: negative → the extra position 3")]
    [TestCase(true, "keep", 2.0, 4.0, TestName = "dropLast, keep: the last valid category stays (position 2)")]
    [TestCase(true, "keep", 3.0, 0.0, TestName = "dropLast, keep: the invalid slot is the one dropped")]
    public async Task OneHotPositionFollowsDropLastAndHandleInvalid(bool dropLast, string handleInvalid, double slot, double margin)
    {
        var model = await LoadAsync(SlotModel(dropLast, handleInvalid));

        Assert.That(model.Explain([slot], []).Score.Raw1, Is.EqualTo(margin));
    }

    [TestCase(3.0, "unseen value 3")]
    [TestCase(-1.0, "negative value -1")]
    public async Task OneHotWithErrorRejectsInvalidValues(double slot, string expected)
    {
        var model = await LoadAsync(SlotModel(dropLast: true, "error"));

        var error = Assert.Throws<ScoringException>(() => model.Score([slot], []));

        Assert.That(error!.Kind, Is.EqualTo(ScoringFailureKind.Rejected));
        Assert.That(error.Message, Does.Contain("OneHotEncoderModel 'ohe'").And.Contain(expected));
    }

    [Test]
    public async Task NullOneHotInputIsANullVectorForTheAssembler()
    {
        var rejecting = await LoadAsync(SlotModel(dropLast: true, "error"));
        var keeping = await LoadAsync(SlotModel(dropLast: true, "error", assemblerInvalid: "keep"));

        Assert.That(Assert.Throws<ScoringException>(() => rejecting.Score([double.NaN], []))!.Message, Does.Contain("'slot_vec'"));
        var kept = keeping.Explain([double.NaN], []).Score;
        Assert.That(kept.Raw1, Is.NaN, "keep fills the whole vector with NaN");
        Assert.That(kept.Probability1, Is.NaN);
        Assert.That(kept.Prediction, Is.EqualTo(0), "NaN > threshold is false");
    }

    [Test]
    public async Task OneHotSkipIsNotASparkOption()
    {
        var message = await ImportErrorAsync(Folder()
            .OneHotEncoder("ohe", ["slot"], ["slot_vec"], [3], handleInvalid: "skip")
            .VectorAssembler("va", ["slot_vec"], "features")
            .LogisticRegression("lr", "features", [1.0, 2.0], 0.0));

        Assert.That(message, Does.Contain("OneHotEncoderModel 'ohe'").And.Contain("handleInvalid='skip'"));
    }

    // mean [1, 2], std [2, 0] → scale [0.5, 0]; coefficients [0.5, 3], intercept −0.25; row (3, 5).
    [TestCase(true, true, (3 - 1) * 0.5 * 0.5 + (5 - 2) * 0.0 * 3 + -0.25, TestName = "withMean, withStd: ((x − mean)·(1/std))·w + b")]
    [TestCase(false, true, 3 * 0.5 * 0.5 + 5 * 0.0 * 3 + -0.25, TestName = "withStd only: (x·(1/std))·w + b; std 0 scales to 0")]
    [TestCase(true, false, (3 - 1) * 0.5 + (5 - 2) * 3.0 + -0.25, TestName = "withMean only: (x − mean)·w + b")]
    public async Task LogisticRegressionAfterStandardScaler(bool withMean, bool withStd, double margin)
    {
        var model = await LoadAsync(Folder()
            .VectorAssembler("va", ["a", "b"], "raw")
            .StandardScaler("scaler", "raw", "features", withMean, withStd, mean: [1.0, 2.0], std: [2.0, 0.0])
            .LogisticRegression("lr", "features", [0.5, 3.0], -0.25));

        var (raw, _) = model.Explain([3.0, 5.0], []);

        Assert.That(raw.Raw1, Is.EqualTo(margin));
        Assert.That(raw.Probability1, Is.EqualTo(Sigmoid(margin)).Within(1e-15));
        Assert.That(raw.Probability0, Is.EqualTo(Sigmoid(-margin)).Within(1e-15));
        Assert.That(raw.Prediction, Is.EqualTo(margin > 0 ? 1 : 0), "threshold 0.5 means margin > 0");
    }

    [TestCase(null, null, 1, TestName = "default threshold 0.5: margin 0.25 > 0")]
    [TestCase(0.6, null, 0, TestName = "threshold 0.6: margin 0.25 < log(0.6/0.4)")]
    [TestCase(null, new[] { 0.7, 0.3 }, 1, TestName = "thresholds [0.7, 0.3] mean threshold 0.3: 0.25 > log(0.3/0.7)")]
    [TestCase(null, new[] { 0.3, 0.7 }, 0, TestName = "thresholds [0.3, 0.7] mean threshold 0.7: 0.25 < log(0.7/0.3)")]
    [TestCase(0.0, null, 1, TestName = "threshold 0 always predicts 1")]
    [TestCase(1.0, null, 0, TestName = "threshold 1 never predicts 1")]
    public async Task LogisticRegressionThresholds(double? threshold, double[]? thresholds, int prediction)
    {
        var model = await LoadAsync(Folder()
            .VectorAssembler("va", ["a"], "features")
            .LogisticRegression("lr", "features", [0.5], -0.25, threshold, thresholds));

        Assert.That(model.Score([1.0], []).Prediction, Is.EqualTo(prediction));
    }

    [Test]
    public async Task SparseAndDenseCoefficientsScoreAlike()
    {
        double[] coefficients = [0.0, 1.5, 0.0, -2.0];
        var dense = await LoadAsync(Folder().VectorAssembler("va", ["a", "b", "c", "d"], "features").LogisticRegression("lr", "features", coefficients, 0.1));
        var sparse = await LoadAsync(Folder().VectorAssembler("va", ["a", "b", "c", "d"], "features").LogisticRegression("lr", "features", coefficients, 0.1, sparseCoefficients: true));

        double[] row = [7, 2, 9, 0.5];
        Assert.That(sparse.Explain(row, []).Score.Raw1, Is.EqualTo(1.5 * 2 + -2.0 * 0.5 + 0.1));
        Assert.That(sparse.Score(row, []), Is.EqualTo(dense.Score(row, [])));
    }

    [Test]
    public async Task MultinomialLogisticRegressionIsRefused()
    {
        var message = await ImportErrorAsync(Folder()
            .VectorAssembler("va", ["a"], "features")
            .LogisticRegression("lr", "features", [1.0], 0.0, multinomial: true));

        Assert.That(message, Does.Contain("LogisticRegressionModel 'lr'").And.Contain("multinomial"));
    }

    [Test]
    public async Task ScalerSizeMustMatchTheVector()
    {
        var message = await ImportErrorAsync(Folder()
            .VectorAssembler("va", ["a", "b"], "raw")
            .StandardScaler("scaler", "raw", "features", true, true, mean: [1.0], std: [2.0])
            .LogisticRegression("lr", "features", [1.0, 1.0], 0.0));

        Assert.That(message, Does.Contain("StandardScalerModel 'scaler'").And.Contain("1 values").And.Contain("2 features"));
    }

    [Test]
    public async Task UnknownParamSetOnAStageIsNamed()
    {
        var folder = Folder()
            .VectorAssembler("va", ["a"], "features")
            .LogisticRegression("lr", "features", [1.0], 0.0)
            .SetParam("lr", "offsetCol", JsonValue.Create("offset")!);

        Assert.That(await ImportErrorAsync(folder), Does.Contain("LogisticRegressionModel 'lr'").And.Contain("param 'offsetCol'"));
    }
}
