using System.Diagnostics;
using NUnit.Framework;
using TopUpSpark.Producer.DataGeneration;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Job.Tests;

/// <summary>
/// <c>scripts/demo.sh</c> as a user runs it in a terminal, stopped with Ctrl-C: the terminal sends SIGINT to
/// the whole foreground process group, which the test does to a process group of the demo's own.
/// </summary>
public class DemoScriptTests
{
    private const int SigInt = 2;
    private string _work = "";

    [OneTimeSetUp]
    public async Task DataModelAndPublishedJob()
    {
        _work = RepositoryRoot.NewScratchDirectory("demo-script");
        DataGenerator.Generate(new GeneratorOptions { Customers = 2_000, Seed = 3, OutputDirectory = Path.Combine(_work, "data") });
        await JobTestBed.ImportCourseModel(_work);
    }

    [OneTimeTearDown]
    public void Delete() => Directory.Delete(_work, recursive: true);

    [Test]
    public async Task A_rerun_starts_a_fresh_checkpoint_and_Ctrl_C_stops_the_producer_the_job_the_api_and_the_dashboard_before_the_broker()
    {
        // A checkpoint left by an earlier run, whose embedded broker is gone with its offsets.
        var earlierCheckpoint = Directory.CreateDirectory(Path.Combine(_work, "out", "checkpoint")).FullName;
        File.WriteAllText(Path.Combine(earlierCheckpoint, "metadata"), "{\"id\":\"an earlier run\"}");
        var output = new List<string>();
        // Ctrl-C as in a terminal: SIGINT handled as by default, even when the test runner was started with it
        // ignored (a background job of a script), which bash would inherit and then could not trap.
        var info = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot.Path,
        };
        foreach (var argument in new[] { "--default-signal=INT", "setsid", "bash", "scripts/demo.sh", "--out", Path.Combine(_work, "out"), "--data", Path.Combine(_work, "data"),
                     "--model", Path.Combine(_work, "course.model"), "--port", LoopbackPort.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--api-port", LoopbackPort.Free().ToString(System.Globalization.CultureInfo.InvariantCulture) })
            info.ArgumentList.Add(argument);
        info.Environment["TOPUP_PUBLISH_DIR"] = Path.Combine(_work, "publish");
        using var demo = Process.Start(info)!;
        demo.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
        demo.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
        demo.BeginOutputReadLine();
        demo.BeginErrorReadLine();
        try
        {
            // Running: the job has taken a batch with rows.
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(8);
            while (!Lines().Any(l => l.StartsWith("[job]", StringComparison.Ordinal) && l.Contains(" rows (bureau ") && !l.Contains(": 0 rows")))
            {
                Assert.That(demo.HasExited, Is.False, string.Join('\n', Lines()));
                Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the demo did not run a batch with rows:\n" + string.Join('\n', Lines()));
                await Task.Delay(500);
            }

            // The curl commands the demo prints work: the example event is taken, the job's first scored customer is served.
            var post = Lines().Single(l => l.TrimStart().StartsWith("curl -s -H 'Content-Type: application/json'", StringComparison.Ordinal));
            Assert.That(Curl(post), Does.StartWith("202 ").And.Contain("\"accepted\":1"));
            while (!Lines().Any(l => l.StartsWith("[first-prediction]", StringComparison.Ordinal) && l.Contains("curl -s")))
            {
                Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the demo named no scored customer:\n" + string.Join('\n', Lines()));
                await Task.Delay(500);
            }
            var lookup = Lines().First(l => l.StartsWith("[first-prediction]", StringComparison.Ordinal) && l.Contains("curl -s"));
            Assert.That(Curl(lookup[lookup.IndexOf("curl -s", StringComparison.Ordinal)..]), Does.StartWith("200 ").And.Contain("\"probability\":"));

            // setsid made the demo's shell the leader of a process group of its own, as a terminal's foreground job is.
            ProgramProcess.SignalGroup(demo.Id, SigInt);
            Assert.That(demo.WaitForExit(TimeSpan.FromMinutes(2)), Is.True, () => "the demo did not stop within 2 minutes of Ctrl-C:\n" + string.Join('\n', Lines()));
            demo.WaitForExit();
        }
        finally
        {
            if (!demo.HasExited) ProgramProcess.SignalGroup(demo.Id, ProgramProcess.SigKill);
        }

        var lines = Lines();
        int Index(string prefix, string text) =>
            lines.FindIndex(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.Contains(text, StringComparison.Ordinal));
        var stopping = lines.FindIndex(l => l.StartsWith("demo: stopping", StringComparison.Ordinal));
        var producerSent = Index("[producer]", "batches:");
        var jobSummary = Index("[job]", "summary:");
        var apiStopped = Index("[api]", "topup-api stopping");
        var dashboardStopped = Index("[dashboard]", "stopped:");
        var brokerStopped = Index("[broker]", "embedded Kafka stopped");
        Assert.That(new[] { stopping, producerSent, jobSummary, apiStopped, dashboardStopped, brokerStopped }, Has.All.GreaterThanOrEqualTo(0), string.Join('\n', lines));
        Assert.That(new[] { stopping, producerSent, jobSummary, apiStopped, dashboardStopped, brokerStopped }, Is.Ordered, string.Join('\n', lines));
        Assert.That(lines.Where(l => l.Contains("Connection refused", StringComparison.Ordinal)), Is.Empty, "nothing outlived the broker");
        var redisStopped = Index("[redis]", "ready to exit");
        Assert.That(new[] { jobSummary, redisStopped, brokerStopped }, Is.Ordered, "Redis outlives the job that writes to it: " + string.Join('\n', lines));
        Assert.That(lines.Where(l => l.StartsWith("[redis]", StringComparison.Ordinal) && l.Contains("SIGINT", StringComparison.Ordinal)), Is.Empty,
            "the terminal's Ctrl-C does not reach Redis; the demo stops it");
        var ui = lines.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^demo: \[\d+:\d{2}\] the job's streaming UI at (http://127\.0\.0\.1:\d+/) ")).FirstOrDefault(m => m.Success);
        Assert.That(ui, Is.Not.Null, "the demo prints where the job's streaming UI is:\n" + string.Join('\n', lines));
        Assert.That(lines, Has.Some.Contains($"streaming UI at {ui!.Groups[1].Value}"), "the address the job logged");
        Assert.That(File.ReadAllText(Path.Combine(_work, "out", "run", "job.log")), Does.Contain("summary:"), "the job's log keeps its summary too");

        Assert.That(lines, Has.Some.Contains("starting a fresh checkpoint"), "a re-run says it does not resume the earlier run's checkpoint");
        Assert.That(File.ReadAllText(Path.Combine(_work, "out", "previous-run", "checkpoint", "metadata")), Does.Contain("an earlier run"),
            "the earlier run's checkpoint is kept aside");
        Assert.That(File.ReadAllText(Path.Combine(_work, "out", "checkpoint", "metadata")), Does.Not.Contain("an earlier run"), "the job started a checkpoint of its own");

        // The first minutes are told step by step, each stamped with the time since the demo started.
        var steps = lines.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^demo: \[\d+:\d{2}\] ")).ToList();
        var expected = new[] { "building the programs", "starting the broker", "live map at" };
        Assert.That(expected.Select(step => steps.FindIndex(l => l.Contains(step, StringComparison.Ordinal))), Is.Ordered.And.All.GreaterThanOrEqualTo(0),
            string.Join('\n', lines));
        Assert.That(lines, Has.Some.Matches<string>(l => l.StartsWith("  built TopUpSpark.Job", StringComparison.Ordinal)), "each program is named as it is built");

        List<string> Lines()
        {
            lock (output) return output.ToList();
        }
    }

    [Test]
    public void Help_prints_usage_text_not_the_scripts_source()
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot.Path };
        info.ArgumentList.Add("scripts/demo.sh");
        info.ArgumentList.Add("--help");
        using var demo = Process.Start(info)!;
        var output = demo.StandardOutput.ReadToEnd() + demo.StandardError.ReadToEnd();
        Assert.That(demo.WaitForExit(TimeSpan.FromSeconds(30)), Is.True);

        Assert.That(demo.ExitCode, Is.Zero, output);
        Assert.That(output, Does.StartWith("The whole pipeline on this machine").And.Contain("Options: --batches N").And.Contain("--late MIN-MAX"));
        Assert.That(output.Split('\n').Where(line => line.StartsWith('#') || line.StartsWith("set -", StringComparison.Ordinal)), Is.Empty);
    }

    /// <summary>Runs a printed curl command as a user would paste it; returns the HTTP status, a space, and the body.</summary>
    private static string Curl(string command)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, WorkingDirectory = RepositoryRoot.Path };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command.Trim() + " -o /tmp/demo-curl-$$.body -w '%{http_code} ' && cat /tmp/demo-curl-$$.body && rm -f /tmp/demo-curl-$$.body");
        using var curl = Process.Start(info)!;
        var output = curl.StandardOutput.ReadToEnd();
        Assert.That(curl.WaitForExit(TimeSpan.FromSeconds(30)), Is.True);
        return output;
    }
}
