namespace TopUpSpark.TestSupport;

/// <summary>The repository's root folder, found from the test binary by looking for TopUpSpark.sln.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "TopUpSpark.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"TopUpSpark.sln not found above {AppContext.BaseDirectory}");
    }

    /// <summary>A fresh folder under the test output, removed by the caller when no longer needed.</summary>
    public static string NewScratchDirectory(string name)
    {
        var dir = System.IO.Path.Combine(AppContext.BaseDirectory, "scratch", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }
}
