using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NUnit.Framework;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Notebooks.Tests;

/// <summary>
/// A notebook executed as users run it: <c>jupyter nbconvert --execute</c> with the <c>.net-csharp</c> kernel of
/// .NET Interactive, as <c>scripts/notebook.sh</c> installs them (the tool under artifacts/tools, its kernel
/// spec under artifacts/jupyter). The executed notebook and its HTML export are kept under artifacts/notebooks.
/// </summary>
public sealed partial class JupyterRun
{
    private static readonly TimeSpan CellTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(10);

    private JupyterRun(string executedPath, JsonArray cells, TimeSpan elapsed)
    {
        ExecutedPath = executedPath;
        Cells = cells;
        Elapsed = elapsed;
    }

    public static string ToolDirectory => Path.Combine(RepositoryRoot.Path, "artifacts", "tools", "dotnet-interactive");
    public static string JupyterDirectory => Path.Combine(RepositoryRoot.Path, "artifacts", "jupyter");
    public static string OutputDirectory => Path.Combine(RepositoryRoot.Path, "artifacts", "notebooks");

    public string ExecutedPath { get; }
    public JsonArray Cells { get; }
    public TimeSpan Elapsed { get; }

    /// <summary>
    /// Executes notebooks/<paramref name="name"/>.ipynb with a temporary folder of its own, asserts that every code cell
    /// ran without error, and hands the run, with the job's summary.json and output folder from that temporary
    /// folder (where the notebook's run writes), to <paramref name="check"/>. The temporary folder goes afterwards.
    /// </summary>
    public static void ExecuteAndCheck(string name, Action<JupyterRun, JsonElement, string> check)
    {
        var temporary = RepositoryRoot.NewScratchDirectory(name);
        try
        {
            var run = Execute(name, temporary);
            Assert.That(run.Errors(), Is.Empty, "no cell fails");
            Assert.That(run.CodeCellsExecuted, Is.EqualTo(run.CodeCellCount), "every code cell ran");
            var summaryFile = Directory.GetFiles(temporary, "summary.json", SearchOption.AllDirectories).Single();
            using var summary = JsonDocument.Parse(File.ReadAllText(summaryFile));
            Assert.That(summary.RootElement.GetProperty("error").ValueKind, Is.EqualTo(JsonValueKind.Null), "the job's run succeeded");
            check(run, summary.RootElement, Path.GetDirectoryName(summaryFile)!);
        }
        finally
        {
            Directory.Delete(temporary, recursive: true);
        }
    }

    private static JupyterRun Execute(string name, string temporaryDirectory)
    {
        RequireKernel();
        Directory.CreateDirectory(OutputDirectory);
        var notebook = Path.Combine(RepositoryRoot.Path, "notebooks", name + ".ipynb");
        var clock = Stopwatch.StartNew();
        // --allow-errors: the executed notebook is kept whole, so the test can name the failing cell and its traceback.
        Run(temporaryDirectory, "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
            "--ExecutePreprocessor.kernel_name=.net-csharp", $"--ExecutePreprocessor.timeout={(int)CellTimeout.TotalSeconds}",
            "--output-dir", OutputDirectory, "--output", name, notebook);
        var elapsed = clock.Elapsed;
        var executed = Path.Combine(OutputDirectory, name + ".ipynb");
        Run(temporaryDirectory, "nbconvert", "--to", "html", "--output-dir", OutputDirectory, executed);
        TestContext.Out.WriteLine($"{name}: executed in {elapsed.TotalSeconds:F0} s; kept {executed} and {Path.ChangeExtension(executed, ".html")}");
        var cells = JsonNode.Parse(File.ReadAllText(executed))!["cells"]!.AsArray();
        return new JupyterRun(executed, cells, elapsed);
    }

    /// <summary>Every error output, as "cell N: name: value" and its traceback; none is expected.</summary>
    public IReadOnlyList<string> Errors() =>
        CodeCells()
            .SelectMany(cell => Outputs(cell.Cell).Where(o => (string?)o["output_type"] == "error")
                .Select(o => $"cell {cell.Number}: {o["ename"]}: {o["evalue"]}\n" +
                             AnsiEscape().Replace(string.Join('\n', o["traceback"]!.AsArray().Select(line => (string?)line)), "")))
            .ToList();

    public int CodeCellCount => CodeCells().Count();

    /// <summary>The code cells that ran (have an execution count).</summary>
    public int CodeCellsExecuted => CodeCells().Count(cell => cell.Cell["execution_count"] is JsonValue);

    /// <summary>What code cell <paramref name="number"/> (1-based, code cells only) wrote as text (stdout and stderr).</summary>
    public string Text(int number) => string.Concat(Outputs(CodeCell(number)).Where(o => (string?)o["output_type"] == "stream").Select(o => Joined(o["text"])));

    /// <summary>The HTML code cell <paramref name="number"/> displayed, one entry per displayed value.</summary>
    public IReadOnlyList<string> Html(int number) =>
        Outputs(CodeCell(number)).Where(o => o["data"]?["text/html"] is not null).Select(o => Joined(o["data"]!["text/html"])).ToList();

    /// <summary>The rows of the <paramref name="which"/>th table (TopUpSpark.Notebooks.Table's HTML) code cell <paramref name="number"/> displayed, column name → cell text.</summary>
    public IReadOnlyList<Dictionary<string, string>> TableRows(int number, int which = 0)
    {
        var tables = Html(number).Where(html => html.Contains("<table class=\"topup-table\">", StringComparison.Ordinal)).ToList();
        Assert.That(tables, Has.Count.GreaterThan(which), $"code cell {number} displays a table");
        var table = tables[which];
        var header = TableHeader().Matches(table).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
        return TableRow().Matches(table)
            .Select(row => TableCell().Matches(row.Groups[1].Value).Select(c => WebUtility.HtmlDecode(c.Groups[1].Value)).ToList())
            .Select(cells => header.Zip(cells).ToDictionary(pair => pair.First, pair => pair.Second))
            .ToList();
    }

    /// <summary>The first code cell whose source contains <paramref name="marker"/>, 1-based among code cells.</summary>
    public int CodeCellContaining(string marker) =>
        CodeCells().FirstOrDefault(cell => Joined(cell.Cell["source"]).Contains(marker, StringComparison.Ordinal)).Number is var n and > 0
            ? n
            : throw new AssertionException($"{ExecutedPath} has no code cell containing '{marker}'");

    private JsonNode CodeCell(int number) => CodeCells().Single(cell => cell.Number == number).Cell;

    private IEnumerable<(int Number, JsonNode Cell)> CodeCells() =>
        Cells.Where(cell => (string?)cell!["cell_type"] == "code").Select((cell, index) => (index + 1, cell!));

    private static IEnumerable<JsonNode> Outputs(JsonNode cell) => cell["outputs"]?.AsArray().Select(o => o!) ?? [];

    private static string Joined(JsonNode? text) => text switch
    {
        JsonArray lines => string.Concat(lines.Select(line => (string?)line)),
        JsonValue value => (string?)value ?? "",
        _ => "",
    };

    /// <summary>Fails, naming the install step, when Jupyter, the tool or its kernel spec is missing; never skips.</summary>
    private static void RequireKernel()
    {
        const string install = "run ./scripts/notebook.sh --install (scripts/test.sh does, as in CI)";
        if (FindOnPath("jupyter") is null)
            Assert.Fail($"jupyter is not installed (Debian's jupyter-nbconvert, python3-nbclient, jupyter-client): {install}");
        if (!File.Exists(Path.Combine(ToolDirectory, "dotnet-interactive")))
            Assert.Fail($"the .NET Interactive tool is not in {ToolDirectory}: {install}");
        if (!File.Exists(Path.Combine(JupyterDirectory, "kernels", ".net-csharp", "kernel.json")))
            Assert.Fail($"the .net-csharp kernel spec is not in {JupyterDirectory}/kernels: {install}");
    }

    private static string? FindOnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
        .Select(dir => Path.Combine(dir, command)).FirstOrDefault(File.Exists);

    private static void Run(string temporaryDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("jupyter")
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // What scripts/notebook.sh sets: the kernel spec's "dotnet interactive" finds the tool on PATH, and
        // the tool, built for an older .NET, runs on .NET 10.
        start.Environment["PATH"] = ToolDirectory + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        start.Environment["JUPYTER_PATH"] = JupyterDirectory;
        start.Environment["DOTNET_ROLL_FORWARD"] = "Major";
        start.Environment["TMPDIR"] = temporaryDirectory;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // The test host's MSBuild settings would steer the kernel's #r "nuget:" restores into the test's SDK context.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(RunTimeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"jupyter {string.Join(' ', arguments)} did not finish within {RunTimeout.TotalMinutes} min:\n{Tail(output)}");
        }
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"jupyter {string.Join(' ', arguments)} failed:\n{Tail(output)}");
    }

    private static string Tail(StringBuilder output)
    {
        lock (output) return string.Join('\n', output.ToString().Split('\n').TakeLast(60));
    }

    [GeneratedRegex("<th>(.*?)</th>")]
    private static partial Regex TableHeader();

    [GeneratedRegex("<tr>((?:<td.*?</td>)+)</tr>")]
    private static partial Regex TableRow();

    [GeneratedRegex("<td[^>]*>(.*?)</td>")]
    private static partial Regex TableCell();

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex AnsiEscape();
}
