using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using TopUpSpark.Bench;

// Runs the named benchmarks (all when none is named) and writes one JSON file per benchmark.
var quick = args.Contains("--quick");
var outDir = ArgValue("--out") ?? Path.Combine("artifacts", "bench");
var names = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) && a != outDir).ToHashSet();
var benchmarks = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name, StringComparer.Ordinal)
    .ToList();
if (args.Contains("--list") || args.Contains("--help"))
{
    Console.WriteLine("usage: bench [--quick] [--out DIR] [name …]   run benchmarks, one JSON result each in DIR (default artifacts/bench)");
    Console.WriteLine("       bench --report [--out DIR]            write docs/benchmark-results.md and the README's targets from DIR's results");
    foreach (var b in benchmarks) Console.WriteLine($"  {b.Name,-24} {b.Description}");
    return 0;
}
if (args.Contains("--report"))
{
    ResultsReport.Write(FindRepositoryRoot(), outDir, benchmarks, Console.WriteLine);
    return 0;
}
var unknown = names.Except(benchmarks.Select(b => b.Name)).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"unknown benchmark(s): {string.Join(", ", unknown)} (see --list)");
    return 2;
}
Directory.CreateDirectory(outDir);
var repoRoot = FindRepositoryRoot();
var commit = GitCommit(repoRoot);
var failures = 0;
foreach (var benchmark in benchmarks.Where(b => names.Count == 0 || names.Contains(b.Name)))
{
    var work = Path.Combine(outDir, "work", benchmark.Name);
    Directory.CreateDirectory(work);
    void Log(string line) => Console.WriteLine($"[{benchmark.Name}] {line}");
    Log(benchmark.Description);
    var loadBefore = LoadAverage();
    var clock = Stopwatch.StartNew();
    try
    {
        var result = await benchmark.RunAsync(new BenchContext(Path.GetFullPath(work), repoRoot, quick, Log), CancellationToken.None);
        result["benchmark"] = benchmark.Name;
        result["measured_at_utc"] = DateTimeOffset.UtcNow.ToString("O");
        result["commit"] = commit;
        result["machine"] = new JsonObject { ["cores"] = Environment.ProcessorCount, ["cpu"] = ProcessorModel(), ["os"] = Environment.OSVersion.ToString() };
        // Other work on the machine shows here: above the core count, processes were waiting for the CPU.
        result["load_average_1min"] = new JsonObject { ["before"] = loadBefore, ["after"] = LoadAverage() };
        result["quick"] = quick;
        result["wall_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2);
        var file = Path.Combine(outDir, benchmark.Name + ".json");
        File.WriteAllText(file, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Log($"done in {clock.Elapsed.TotalSeconds:F1} s → {file}");
        Console.WriteLine(result.ToJsonString());
    }
    catch (Exception e)
    {
        failures++;
        Log("FAILED: " + e);
    }
}
return failures == 0 ? 0 : 1;

string? ArgValue(string flag)
{
    var i = Array.IndexOf(args, flag);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

// The commit measured, marked "+changes" when the work tree differed from it.
static string GitCommit(string repositoryRoot)
{
    static string Git(string repositoryRoot, string arguments)
    {
        var info = new ProcessStartInfo("git", arguments) { WorkingDirectory = repositoryRoot, RedirectStandardOutput = true, UseShellExecute = false };
        using var git = Process.Start(info) ?? throw new InvalidOperationException("could not run git");
        var output = git.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
        return git.ExitCode == 0 ? output : throw new InvalidOperationException($"git {arguments} failed ({git.ExitCode})");
    }
    try
    {
        var head = Git(repositoryRoot, "rev-parse --short HEAD");
        return Git(repositoryRoot, "status --porcelain --untracked-files=no").Length == 0 ? head : head + "+changes";
    }
    catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
    {
        return "unknown (" + e.Message + ")";
    }
}

static double? LoadAverage() =>
    File.Exists("/proc/loadavg") && double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out var load)
        ? load
        : null;

static string ProcessorModel() =>
    File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown"
        : "unknown";

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "TopUpSpark.sln"))) return dir.FullName;
    throw new InvalidOperationException("run the benchmarks from inside the repository");
}
