using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Bench;

/// <summary>
/// A new user's first minutes (issue 15): a fresh clone of the repository's last commit, then
/// <c>scripts/demo.sh</c> — build, data, model, broker, dashboard, job, producer — until the dashboard shows
/// the first window. NuGet's and npm's package caches are the machine's own (warm), as the target says. The
/// times are the demo's own step stamps, so the figures are what the user reads on the terminal.
/// </summary>
public sealed partial class FirstWindowBenchmark : IBenchmark
{
    private static readonly TimeSpan Target = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(15);
    private const string FirstWindowStep = "first window on the map";

    public string Name => "first-window";

    public string Description => "fresh clone → scripts/demo.sh → first window on the map (build, data, model, start), warm package caches";

    public async Task<JsonObject> RunAsync(BenchContext context, CancellationToken cancel)
    {
        var clone = Path.Combine(context.WorkDirectory, "clone");
        if (Directory.Exists(clone)) Directory.Delete(clone, recursive: true);
        var cloned = await RunAsync("git", ["clone", "--quiet", context.RepositoryRoot, clone], context.RepositoryRoot, null, cancel);
        if (cloned.Exit != 0) throw new InvalidOperationException($"git clone failed: {string.Join('\n', cloned.Lines)}");
        context.Log($"cloned {context.RepositoryRoot} into {clone}; the clone holds the last commit, not uncommitted changes");

        // Bounded, so that the demo stops by itself after the first window; quick runs generate less data.
        string[] demo = ["scripts/demo.sh", "--batches", "10", "--port", LoopbackPort.Free().ToString(CultureInfo.InvariantCulture)];
        if (context.Quick) demo = [.. demo, "--customers", "20000"];
        var run = await RunAsync("bash", demo, clone, line => { if (StepLine().IsMatch(line)) context.Log(line); }, cancel);
        await File.WriteAllLinesAsync(Path.Combine(context.WorkDirectory, "demo.log"), run.Lines, cancel);
        if (run.Exit != 0) throw new InvalidOperationException($"demo.sh ended with exit code {run.Exit}; its output is in {context.WorkDirectory}/demo.log");

        var steps = new JsonArray();
        double? firstWindow = null;
        foreach (var line in run.Lines)
        {
            var step = StepLine().Match(line);
            if (!step.Success) continue;
            var seconds = int.Parse(step.Groups["minutes"].Value, CultureInfo.InvariantCulture) * 60 + int.Parse(step.Groups["seconds"].Value, CultureInfo.InvariantCulture);
            steps.Add(new JsonObject { ["at_seconds"] = seconds, ["step"] = step.Groups["step"].Value });
            if (step.Groups["step"].Value == FirstWindowStep) firstWindow ??= seconds;
        }
        if (firstWindow is null) throw new InvalidOperationException($"demo.sh never said '{FirstWindowStep}'; its output is in {context.WorkDirectory}/demo.log");
        return new JsonObject
        {
            ["first_window_seconds"] = firstWindow,
            ["steps"] = steps,
            ["customers"] = context.Quick ? 20_000 : null,
            ["target_seconds"] = Target.TotalSeconds,
            ["meets_target"] = firstWindow <= Target.TotalSeconds,
        };
    }

    public IEnumerable<ReportRow> Report(JsonObject result) =>
    [
        new("fresh clone → first window on the map (demo.sh, warm package caches)", $"{Figures.Whole(result["first_window_seconds"])} s",
            $"≤ {Figures.Whole(result["target_seconds"])} s", result["meets_target"]!.GetValue<bool>()),
        new("where the first minutes go (demo.sh's step stamps)",
            string.Join("; ", result["steps"]!.AsArray().Select(step => $"{Figures.Whole(step!["at_seconds"])} s {StepName(step["step"]!.GetValue<string>())}"))),
    ];

    // The stamps' texts name paths and addresses of that run; the report keeps what the step is.
    private static string StepName(string step) => step.Split([':', '…'], 2)[0].Trim();

    private static async Task<(int Exit, List<string> Lines)> RunAsync(string program, string[] arguments, string folder, Action<string>? onLine, CancellationToken cancel)
    {
        var info = new ProcessStartInfo(program) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        var lines = new List<string>();
        void Take(string? line)
        {
            if (line is null) return;
            lock (lines) lines.Add(line);
            onLine?.Invoke(line);
        }
        process.OutputDataReceived += (_, e) => Take(e.Data);
        process.ErrorDataReceived += (_, e) => Take(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        limit.CancelAfter(Limit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not end within {Limit.TotalMinutes} min");
        }
        lock (lines) return (process.ExitCode, lines.ToList());
    }

    [GeneratedRegex(@"^demo: \[(?<minutes>\d+):(?<seconds>\d{2})\] (?<step>.*)$")]
    private static partial Regex StepLine();
}
