using System.Text.Json.Nodes;

namespace TopUpSpark.Bench;

/// <summary>
/// One benchmark of <c>scripts/bench.sh</c>. Each lives in its own file and is found by reflection;
/// its result is written as JSON to <c>artifacts/bench/&lt;Name&gt;.json</c>, and <c>--report</c> turns
/// that JSON back into the rows of the published tables through <see cref="Report"/>.
/// </summary>
public interface IBenchmark
{
    /// <summary>Short kebab-case name, used on the command line and as the result file's name.</summary>
    string Name { get; }

    string Description { get; }

    Task<JsonObject> RunAsync(BenchContext context, CancellationToken cancel);

    /// <summary>The figures of a result of this benchmark, as the published tables show them.</summary>
    IEnumerable<ReportRow> Report(JsonObject result);
}

/// <summary>What every benchmark gets: where to work, how big to go, and somewhere to log.</summary>
public sealed record BenchContext(string WorkDirectory, string RepositoryRoot, bool Quick, Action<string> Log);

/// <summary>One figure of a published table; <see cref="Met"/> is null for a figure without a target.</summary>
public sealed record ReportRow(string What, string Measured, string Target = "", bool? Met = null);
