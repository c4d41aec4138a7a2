using NUnit.Framework;

namespace TopUpSpark.TestSupport;

/// <summary>
/// The read-only <c>../shared/</c> folder beside the repository. It is there on every machine and in
/// CI; a test that needs it fails loudly under <c>CI=true</c> when it is missing, and is skipped (with
/// the reason) only on a developer machine without it.
/// </summary>
public static class SharedFixtures
{
    public static string SharedDirectory
    {
        get
        {
            var fromEnvironment = Environment.GetEnvironmentVariable("TOPUP_SHARED_DIR");
            if (!string.IsNullOrEmpty(fromEnvironment)) return fromEnvironment;
            var repo = RepositoryRoot.Path;
            return Path.GetFullPath(Path.Combine(repo, "..", "shared"));
        }
    }

    /// <summary>The course's Spark 3.3 PipelineModel folder, read in place (never copied).</summary>
    public static string SparkTopUpPipelineModel => Require(Path.Combine(SharedDirectory, "fixtures", "spark-topup-pipeline-model"));

    public static string Require(string path)
    {
        if (Directory.Exists(path) || File.Exists(path)) return path;
        var message = $"shared fixture missing: {path} (../shared/ must sit beside the repository)";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail(message);
        Assert.Ignore(message);
        return path;
    }
}
