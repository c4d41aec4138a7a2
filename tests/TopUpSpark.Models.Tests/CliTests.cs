using System.Globalization;
using TopUpSpark.Scoring;
using TopUpSpark.TestSupport;
using static TopUpSpark.Models.Tests.TreeNode;

namespace TopUpSpark.Models.Tests;

/// <summary>import-spark, score and describe, run in-process through the real command line.</summary>
public sealed class CliTests : SparkTestBase
{
    private static async Task<int> RunAsync(params string[] args) => await ModelsCli.Create().Parse(args).InvokeAsync();

    private async Task<string> ColorModelFileAsync()
    {
        var folder = await Folder()
            .StringIndexer("si", ["color"], ["color_idx"], [["red", "green", "blue"]], "keep")
            .OneHotEncoder("ohe", ["color_idx"], ["color_vec"], [4])
            .VectorAssembler("va", ["x", "color_vec"], "features")
            .Gbt("gbt", "features", 4, [(1.0, Continuous(0, 10, Categorical(2, [1], 2, Leaf(0.5), Leaf(-0.25)), Leaf(0.75)))])
            .SaveAsync();
        var file = Path.Combine(Scratch, "color.json");
        Assert.That(await RunAsync("import-spark", folder, "--out", file), Is.EqualTo(0));
        return file;
    }

    private string WriteInput(string content)
    {
        var path = Path.Combine(Scratch, "input.csv");
        File.WriteAllText(path, content);
        return path;
    }

    [Test]
    public async Task ScoreAddsPredictionAndProbabilityAndSetsRejectsAside()
    {
        var modelFile = await ColorModelFileAsync();
        var input = WriteInput("id,color,x\n1,green,5\n2,\"purple\",\"1,20,000\"\n3,red,\n");
        var output = Path.Combine(Scratch, "scored.csv");

        Assert.That(await RunAsync("score", "--model", modelFile, "--input", input, "--output", output), Is.EqualTo(0));

        var lines = File.ReadAllLines(output);
        var model = ModelFile.Load(modelFile);
        Assert.That(lines[0], Is.EqualTo("id,color,x,prediction,probability"));
        Assert.That(lines, Has.Length.EqualTo(3), "row 3 has a null x, which the saved handleInvalid=error rejects");
        var first = lines[1].Split(',');
        Assert.That(first[..3], Is.EqualTo(new[] { "1", "green", "5" }));
        Assert.That(double.Parse(first[4], CultureInfo.InvariantCulture), Is.EqualTo(model.Score([5.0], ["green"]).Probability), "round-trip exact");
        Assert.That(lines[2], Does.StartWith("2,purple,\"1,20,000\",1,"), "1,20,000 is read as 120000 > 10, like the data's amounts");
        var rejected = File.ReadAllLines(Path.Combine(Scratch, "scored.rejected.csv"));
        Assert.That(rejected[0], Is.EqualTo("id,color,x,reason"));
        Assert.That(rejected[1], Does.StartWith("3,red,,").And.Contain("VectorAssembler").And.Contain("'x'"));
    }

    [Test]
    public async Task AssemblerOverrideScoresNullsAsTheJobDoes()
    {
        var modelFile = await ColorModelFileAsync();
        var input = WriteInput("id,color,x\n3,red,\n");
        var output = Path.Combine(Scratch, "scored.csv");

        Assert.That(await RunAsync("score", "--model", modelFile, "--input", input, "--output", output, "--assembler-invalid", "keep"), Is.EqualTo(0));

        var expected = ModelFile.Load(modelFile, AssemblerInvalidHandling.Keep).Score([double.NaN], ["red"]);
        Assert.That(File.ReadAllLines(output)[1], Is.EqualTo($"3,red,,{expected.Prediction},{expected.Probability.ToString("R", CultureInfo.InvariantCulture)}"));
    }

    [Test]
    public async Task ScoreNamesMissingInputColumns()
    {
        var modelFile = await ColorModelFileAsync();
        var input = WriteInput("id,colour,x\n1,green,5\n");

        var error = new StringWriter();
        var original = Console.Out;
        Console.SetOut(error);
        int exit;
        try
        {
            exit = await RunAsync("score", "--model", modelFile, "--input", input, "--output", Path.Combine(Scratch, "out.csv"));
        }
        finally
        {
            Console.SetOut(original);
        }

        Assert.That(exit, Is.EqualTo(1));
        Assert.That(error.ToString(), Does.Contain("missing column(s) 'color'"));
    }

    [TestCase(new[] { "train", "--test-fraction", "0" }, "--test-fraction must be above 0, got 0")]
    [TestCase(new[] { "train", "--validation-fraction", "1" }, "--validation-fraction must be below 1, got 1")]
    [TestCase(new[] { "train", "--test-fraction", "0.5", "--validation-fraction", "0.5" }, "--test-fraction and --validation-fraction must leave customers to train on")]
    [TestCase(new[] { "train", "--trainers", "fasttree,xgboost" }, "--trainers must be a comma-separated list of fasttree, lightgbm and logistic, got 'fasttree,xgboost'")]
    [TestCase(new[] { "train", "--seed", "forty-two" }, "--seed must be a whole number, got 'forty-two'")]
    [TestCase(new[] { "score", "--assembler-invalid", "ignore" }, "--assembler-invalid must be one of ")]
    [TestCase(new[] { "import-spark", "folder", "--out", "" }, "--out must not be empty")]
    [TestCase(new[] { "import-spark", "folder" }, "--out is required (or its environment variable TOPUP_MODELS_OUT)")]
    [TestCase(new[] { "score", "--model", "m.json", "--output", "o.csv" }, "--input is required")]
    [TestCase(new[] { "train", "--customers", "c.csv", "--out", "m.zip" }, "--bureau is required")]
    public Task RefusedFlagsAreNamedAtParseTime(string[] args, string message) => CommandLineRun.AssertRefusedAsync(ModelsCli.Create(), args, message);

    [Test]
    public async Task RefusedVariablesAreNamedWithTheirFlags()
    {
        using var _ = CommandLineRun.Environment(("TOPUP_TEST_FRACTION", "1.5"), ("TOPUP_TRAINERS", ","));

        var errors = await CommandLineRun.AssertRefusedAsync(ModelsCli.Create(), ["train"],
            "--test-fraction (from environment variable TOPUP_TEST_FRACTION) must be below 1, got 1.5");
        Assert.That(errors, Does.Contain("--trainers (from environment variable TOPUP_TRAINERS) must be a comma-separated list"));
    }

    [Test]
    public void GoodTrainingFlagsParse() =>
        Assert.That(ModelsCli.Create().Parse(["train", "--customers", "c.csv", "--bureau", "b.csv", "--out", "m.zip", "--test-fraction", "0.1",
            "--validation-fraction", "0.3", "--trainers", "LightGBM, logistic"]).Errors, Is.Empty);

    [Test]
    public async Task DescribeShowsTheCourseModel()
    {
        var file = Path.Combine(Scratch, "course.json");
        Assert.That(await RunAsync("import-spark", SharedFixtures.SparkTopUpPipelineModel, "--out", file), Is.EqualTo(0));

        var text = new StringWriter();
        var original = Console.Out;
        Console.SetOut(text);
        try
        {
            Assert.That(await RunAsync("describe", file), Is.EqualTo(0));
        }
        finally
        {
            Console.SetOut(original);
        }

        Assert.That(text.ToString(), Does.Contain("spark-pipeline (GBTClassificationModel, 20 trees)")
            .And.Contain("features:    937")
            .And.Contain("handleInvalid=error as saved")
            .And.Contain("20 trees, 1138 nodes, max depth 5"));
    }
}
