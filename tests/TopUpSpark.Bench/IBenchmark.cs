using System.Text.Json.Nodes;

namespace TopUpSpark.Bench;

/// <summary>
/// One benchmark of <c>scripts/bench.sh</c>. Each lives in its own file and is found by reflection;
/// its result is written as JSON to <c>artifacts/bench/&lt;Name&gt;.json</c>.
/// </summary>
public interface IBenchmark
{
    /// <summary>Short kebab-case name, used on the command line and as the result file's name.</summary>
    string Name { get; }

    string Description { get; }

    Task<JsonObject> RunAsync(BenchContext context, CancellationToken cancel);
}

/// <summary>What every benchmark gets: where to work, how big to go, and somewhere to log.</summary>
public sealed record BenchContext(string WorkDirectory, string RepositoryRoot, bool Quick, Action<string> Log);
