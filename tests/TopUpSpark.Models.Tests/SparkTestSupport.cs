using TopUpSpark.Models.SparkImport;
using TopUpSpark.Scoring;
using TopUpSpark.Scoring.Spark;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Models.Tests;

/// <summary>A scratch folder per test, and the import → converted file → load path every Spark test goes through.</summary>
public abstract class SparkTestBase
{
    private int _folders;

    protected string Scratch { get; private set; } = null!;

    [SetUp]
    public void CreateScratch() => Scratch = RepositoryRoot.NewScratchDirectory(GetType().Name);

    [TearDown]
    public void DeleteScratch() => Directory.Delete(Scratch, recursive: true);

    internal SparkModelFolder Folder(string sparkVersion = "3.3.0") => new(Path.Combine(Scratch, $"model{_folders++}"), sparkVersion);

    /// <summary>Saves the Spark folder, imports it, writes the converted file and loads that file, as the job would.</summary>
    internal static async Task<SparkPipelineModel> LoadAsync(SparkModelFolder folder, AssemblerInvalidHandling? assemblerInvalid = null)
    {
        var imported = await SparkPipelineImporter.ImportAsync(await folder.SaveAsync());
        var file = folder.Directory + ".json";
        SparkPipelineFile.Write(file, imported.Pipeline, folder.Directory, DateTimeOffset.UtcNow);
        return (SparkPipelineModel)ModelFile.Load(file, assemblerInvalid);
    }

    /// <summary>The message of the import error the folder causes.</summary>
    internal static async Task<string> ImportErrorAsync(SparkModelFolder folder)
    {
        var path = await folder.SaveAsync();
        var error = Assert.ThrowsAsync<ModelFileException>(() => SparkPipelineImporter.ImportAsync(path));
        return error!.Message;
    }

    /// <summary>Spark's GBT probability of class 1 written as in DESIGN §3: 1/(1+exp(−2·margin)).</summary>
    protected static double GbtProbability(double margin) => 1.0 / (1.0 + Math.Exp(-2.0 * margin));

    protected static double Sigmoid(double margin) => 1.0 / (1.0 + Math.Exp(-margin));
}
