using TopUpSpark.Scoring;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Models.Tests;

/// <summary>ModelFile.Load tells its two formats apart and explains everything else.</summary>
public sealed class ModelFileTests : SparkTestBase
{
    [Test]
    public void SparkFolderIsPointedAtImportSpark()
    {
        var error = Assert.Throws<ModelFileException>(() => ModelFile.Load(SharedFixtures.SparkTopUpPipelineModel));

        Assert.That(error!.Message, Does.Contain("Spark PipelineModel folder").And.Contain("import-spark"));
    }

    [Test]
    public void MissingFileIsNamed()
    {
        var path = Path.Combine(Scratch, "nowhere.json");

        Assert.That(Assert.Throws<ModelFileException>(() => ModelFile.Load(path))!.Message, Does.Contain("not found").And.Contain(path));
    }

    [TestCase("id,score\n1,2\n", "not a TopUpSpark model file")]
    [TestCase("{\"format\":\"something-else\",\"formatVersion\":1}", "format 'something-else'")]
    [TestCase("{\"format\":\"topupspark-spark-pipeline\",\"formatVersion\":99}", "format version 99")]
    [TestCase("{\"format\":", "broken JSON")]
    [TestCase("PK\u0003\u0004garbage", "not a valid ML.NET model file")]
    public void OtherContentIsExplained(string content, string expected)
    {
        var path = Path.Combine(Scratch, "model.bin");
        File.WriteAllText(path, content);

        Assert.That(Assert.Throws<ModelFileException>(() => ModelFile.Load(path))!.Message, Does.Contain(expected));
    }
}
