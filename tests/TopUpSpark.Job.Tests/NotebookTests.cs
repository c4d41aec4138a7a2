using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NUnit.Framework;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Job.Tests;

/// <summary>
/// notebooks/TopUpDemo.ipynb works: no notebook kernel runs here, so its code cells run in order as one
/// console program (<see cref="NotebookProgram"/>), from the notebook's folder as Polyglot Notebooks runs
/// them. Any cell that fails to compile or throws fails this test.
/// </summary>
[NonParallelizable]
public class NotebookTests
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    private static string NotebookPath => Path.Combine(RepositoryRoot.Path, "notebooks", "TopUpDemo.ipynb");

    [Test]
    public void Demo_notebook_runs_every_code_cell_in_order_and_shows_the_summary_tables_and_map()
    {
        var program = NotebookProgram.Read(NotebookPath, RepositoryRoot.Path);
        var scratch = RepositoryRoot.NewScratchDirectory("notebook");
        try
        {
            var projectFile = program.WriteProject(Path.Combine(scratch, "program"));
            var build = Dotnet(["build", projectFile, "-c", "Release", "--disable-build-servers", "-nologo", "-v:minimal"], scratch, null, BuildTimeout);
            Assert.That(build.ExitCode, Is.Zero, $"the notebook's cells do not build as a program:\n{build.Tail()}");
            foreach (var dll in program.ReferencedAssemblies)
                Assert.That(File.Exists(dll), Is.True, $"#r names {dll}, which the build does not produce");

            // A kernel runs from its own folder, where none of the files the programs find beside their
            // binaries are: the notebook must name the schema, the state aliases and librdkafka's build itself.
            var binary = Path.Combine(Path.GetDirectoryName(projectFile)!, "bin", "Release", "net10.0");
            if (Directory.Exists(Path.Combine(binary, "schema"))) Directory.Delete(Path.Combine(binary, "schema"), recursive: true);
            File.Delete(Path.Combine(binary, "state-aliases.json"));
            File.Delete(Path.Combine(binary, "runtimes", "linux-x64", "native", "centos8-librdkafka.so"));

            var temporary = Directory.CreateDirectory(Path.Combine(scratch, "tmp")).FullName;
            var run = Dotnet([Path.Combine(binary, "notebook.dll")], Path.GetDirectoryName(NotebookPath)!,
                new Dictionary<string, string?> { ["TMPDIR"] = temporary, ["TOPUP_LIBRDKAFKA"] = null }, RunTimeout);
            Assert.That(run.ExitCode, Is.Zero, $"a cell of the notebook failed:\n{run.Tail()}");

            var cellsRan = run.StandardOutput.Split('\n').Where(line => line.StartsWith(NotebookProgram.CellMarker, StringComparison.Ordinal)).ToList();
            Assert.That(cellsRan, Is.EqualTo(Enumerable.Range(1, program.CodeCells).Select(n => $"{NotebookProgram.CellMarker} {n} of {program.CodeCells} ran")),
                "every code cell runs, in order");

            var summaryFile = Directory.GetFiles(temporary, "summary.json", SearchOption.AllDirectories).Single();
            using var summary = JsonDocument.Parse(File.ReadAllText(summaryFile));
            var root = summary.RootElement;
            Assert.That(root.GetProperty("error").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(root.GetProperty("scoredRows").GetInt64(), Is.GreaterThan(0));
            Assert.That(root.GetProperty("messagesPublished").GetInt64(), Is.GreaterThan(0));
            var displayedSummary = $"{Count(root, "batches")} batches, {Count(root, "inputRows")} input rows, {Count(root, "joinedRows")} joined, " +
                                   $"{Count(root, "scoredRows")} scored, {Count(root, "predictedTopUps")} predicted top-ups";
            Assert.That(run.StandardOutput.Split('\n').Any(line => line.StartsWith(displayedSummary, StringComparison.Ordinal)), Is.True,
                $"the job's summary is displayed: {displayedSummary}");
            Assert.That(run.StandardOutput, Does.Contain("PredictedTopUps = "), "the per-state and per-window tables are displayed");
            Assert.That(run.StandardOutput, Does.Contain("<div id=\"topup-map-").And.Contain("Plotly.newPlot(").And.Contain("\"type\":\"choropleth\""),
                "the map's HTML is displayed");
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    [Test]
    public void A_package_version_other_than_the_repository_pins_is_refused()
    {
        var scratch = RepositoryRoot.NewScratchDirectory("notebook-version");
        try
        {
            var notebook = Path.Combine(scratch, "pinned.ipynb");
            File.WriteAllText(notebook, JsonSerializer.Serialize(new
            {
                cells = new[] { new { cell_type = "code", metadata = new { }, source = new[] { "#r \"nuget: Parquet.Net, 1.0.0\"\n", "display(1);" } } },
            }));
            Assert.That(() => NotebookProgram.Read(notebook, RepositoryRoot.Path),
                Throws.TypeOf<NotebookException>().With.Message.Contains("Parquet.Net 1.0.0, but Directory.Packages.props pins"));
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static string Count(JsonElement summary, string property) =>
        summary.GetProperty(property).GetInt64().ToString("N0", CultureInfo.InvariantCulture);

    private sealed record ProcessResult(int ExitCode, string StandardOutput, string Combined)
    {
        /// <summary>The last lines of the output, each cut short: the map's HTML alone is megabytes.</summary>
        public string Tail(int lines = 80) => string.Join('\n',
            Combined.Split('\n').TakeLast(lines).Select(line => line.Length <= 400 ? line : line[..400] + " …"));
    }

    private static ProcessResult Dotnet(IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?>? environment, TimeSpan timeout)
    {
        // The SDK that runs this test names its own dotnet executable; PATH may lead to another.
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // The test host's MSBuild settings would steer the child's build into the test's own SDK context.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }

        var standardOutput = new StringBuilder();
        var combined = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (combined)
            {
                standardOutput.AppendLine(e.Data);
                combined.AppendLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (combined) combined.AppendLine(e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"dotnet {string.Join(' ', start.ArgumentList)} did not finish within {timeout.TotalMinutes} min:\n{new ProcessResult(-1, "", combined.ToString()).Tail()}");
        }
        process.WaitForExit();
        lock (combined) return new ProcessResult(process.ExitCode, standardOutput.ToString(), combined.ToString());
    }
}
