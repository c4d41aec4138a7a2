using System.Text;
using System.Text.Json.Nodes;

namespace TopUpSpark.Bench;

/// <summary>
/// The one place published figures come from: the results under <c>artifacts/bench/</c> written out as
/// <c>docs/benchmark-results.md</c>, and their targets as the README's block between its
/// <c>bench-results</c> markers. Each table names the run it comes from (when, commit, machine).
/// </summary>
public static class ResultsReport
{
    public const string ResultsFile = "docs/benchmark-results.md";
    private const string ReadmeBegin = "<!-- bench-results:begin (written by ./scripts/bench.sh --report) -->";
    private const string ReadmeEnd = "<!-- bench-results:end -->";

    public static void Write(string repositoryRoot, string resultsDirectory, IReadOnlyList<IBenchmark> benchmarks, Action<string> log)
    {
        var results = benchmarks
            .Select(b => (Benchmark: b, File: Path.Combine(resultsDirectory, b.Name + ".json")))
            .Where(r => File.Exists(r.File))
            .Select(r => (r.Benchmark, Json: JsonNode.Parse(File.ReadAllText(r.File))!.AsObject()))
            .ToList();
        if (results.Count == 0) throw new InvalidOperationException($"no results in {resultsDirectory}: run ./scripts/bench.sh first");

        var page = new StringBuilder()
            .AppendLine("# Benchmark results")
            .AppendLine()
            .AppendLine("Written by `./scripts/bench.sh --report` from the JSON results of `./scripts/bench.sh` (`artifacts/bench/*.json`);")
            .AppendLine("do not edit by hand. Each table names the run it comes from. How each figure is measured: the")
            .AppendLine("benchmark's source in `tests/TopUpSpark.Bench/`; earlier sessions' figures: [benchmarks.md](benchmarks.md).")
            .AppendLine();
        foreach (var (benchmark, json) in results)
        {
            page.AppendLine($"## `{benchmark.Name}`").AppendLine().AppendLine(RunLine(json)).AppendLine();
            AppendTable(page, benchmark.Report(json));
        }
        File.WriteAllText(Path.Combine(repositoryRoot, ResultsFile), page.ToString());
        log($"wrote {ResultsFile}");

        // The README keeps one short table for users; the runs' machines and loads are on the results page.
        var targets = new StringBuilder().AppendLine("| figure | measured | target | run |").AppendLine("|---|---|---|---|");
        foreach (var (benchmark, json) in results)
            foreach (var row in benchmark.Report(json).Where(r => r.Met is not null))
                targets.AppendLine($"| {row.What} | {row.Measured} | {TargetCell(row)} | `{benchmark.Name}`, {RunTime(json)}, `{Commit(json)}` |");
        targets.AppendLine();
        var readmePath = Path.Combine(repositoryRoot, "README.md");
        var readme = File.ReadAllText(readmePath);
        var begin = readme.IndexOf(ReadmeBegin, StringComparison.Ordinal);
        var end = readme.IndexOf(ReadmeEnd, StringComparison.Ordinal);
        if (begin < 0 || end < begin) throw new InvalidOperationException($"README.md has no block between '{ReadmeBegin}' and '{ReadmeEnd}'");
        readme = readme[..(begin + ReadmeBegin.Length)] + "\n" + targets + readme[end..];
        File.WriteAllText(readmePath, readme);
        log("updated the targets in README.md");
    }

    private static string RunLine(JsonObject json)
    {
        var machine = json["machine"];
        var quick = json["quick"]?.GetValue<bool>() == true ? " **quick run (smaller inputs)**" : "";
        return $"Run of {RunTime(json)}, commit `{Commit(json)}`, " +
               $"{machine?["cores"]} cores ({machine?["cpu"] ?? "cpu not recorded"}), {machine?["os"]}; 1-minute load average " +
               $"{json["load_average_1min"]?["before"]?.ToJsonString() ?? "?"} before, {json["load_average_1min"]?["after"]?.ToJsonString() ?? "?"} after{quick}.";
    }

    private static string RunTime(JsonObject json) => json["measured_at_utc"]!.GetValue<string>()[..16].Replace('T', ' ') + " UTC";

    private static string Commit(JsonObject json) => json["commit"]?.GetValue<string>() ?? "unknown";

    private static string TargetCell(ReportRow row) => row.Met switch { true => $"{row.Target} ✔ met", false => $"{row.Target} ✘ **not met**", null => "" };

    private static void AppendTable(StringBuilder text, IEnumerable<ReportRow> rows)
    {
        text.AppendLine("| figure | measured | target |").AppendLine("|---|---|---|");
        foreach (var row in rows)
            text.AppendLine($"| {row.What} | {row.Measured} | {TargetCell(row)} |");
        text.AppendLine();
    }
}
