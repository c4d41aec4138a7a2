using NUnit.Framework;
using TopUpSpark.Producer.DataGeneration;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Producer.Tests;

/// <summary>Generated datasets shared by the tests of this assembly, each written once and removed at the end.</summary>
[SetUpFixture]
public sealed class GeneratedData
{
    private static readonly List<string> Directories = [];
    private static readonly Lock Gate = new();
    private static readonly Lazy<Dataset> MediumDataset = new(() => Generate(20_000, seed: 11));
    private static readonly Lazy<Dataset> SmallDataset = new(() => Generate(400, seed: 5));

    public sealed record Dataset(string Directory, GenerationSummary Summary)
    {
        public string CustomerFile => Path.Combine(Directory, DataGenerator.CustomerFileName);
        public string BureauFile => Path.Combine(Directory, DataGenerator.BureauFileName);
        public string TrueProbabilityFile => Path.Combine(Directory, DataGenerator.TrueProbabilityFileName);
    }

    /// <summary>20,000 customers: big enough for frequencies, small enough to generate in about a second.</summary>
    public static Dataset Medium => MediumDataset.Value;

    /// <summary>400 customers, for sending through Kafka.</summary>
    public static Dataset Small => SmallDataset.Value;

    public static Dataset Generate(int customers, long seed)
    {
        var directory = NewDirectory($"generated-{customers}-{seed}");
        var summary = DataGenerator.Generate(new GeneratorOptions { Customers = customers, Seed = seed, OutputDirectory = directory });
        return new Dataset(directory, summary);
    }

    public static string NewDirectory(string name)
    {
        var directory = RepositoryRoot.NewScratchDirectory(name);
        lock (Gate) Directories.Add(directory);
        return directory;
    }

    [OneTimeTearDown]
    public void RemoveDirectories()
    {
        lock (Gate)
        {
            foreach (var directory in Directories.Where(Directory.Exists))
                Directory.Delete(directory, recursive: true);
            Directories.Clear();
        }
    }
}
