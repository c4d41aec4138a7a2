using NUnit.Framework;
using TopUpSpark.Core;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Job.Tests;

/// <summary>
/// The job program's JIT profile (issue 14): a run leaves the profile its next start compiles from, in the
/// user's cache folder unless told otherwise, and a second job on the machine never writes it at the same time.
/// </summary>
[NonParallelizable]
public class JitProfileTests
{
    private string _work = null!;
    private string _modelFile = null!;
    private BrokerProcess _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker()
    {
        _work = RepositoryRoot.NewScratchDirectory("jit-profile");
        _modelFile = await JobTestBed.ImportCourseModel(_work);
        _broker = await BrokerProcess.StartAsync(_work, [Topics.Customer, Topics.Bureau]);
    }

    [OneTimeTearDown]
    public void Clean()
    {
        _broker.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    [Test]
    public async Task A_run_records_the_profile_the_next_start_compiles_from_and_a_job_started_meanwhile_leaves_it_alone()
    {
        var profiles = Path.Combine(_work, "profiles");
        var first = await RunToEnd("first", ["--jit-profile", profiles]);
        Assert.That(first, Does.Contain("JIT profile: none yet"));
        var profile = new FileInfo(Path.Combine(profiles, JitProfile.FileName));
        Assert.That(profile.Exists && profile.Length > 0, Is.True, $"the first run wrote no profile to {profile.FullName}");

        using var second = Start("second", ["--jit-profile", profiles, "--trigger", "1s"]);
        await second.WaitForLineAsync(line => line.Contains("of an earlier run"), TimeSpan.FromMinutes(1));
        var third = await RunToEnd("third", ["--jit-profile", profiles]);
        Assert.That(third, Does.Contain("JIT profile not used").And.Contain("in use by another job on this machine"));
        second.Signal(ProgramProcess.SigTerm);
        Assert.That(await second.WaitForExitAsync(TimeSpan.FromMinutes(1)), Is.Zero, second.Output);
    }

    [Test]
    public async Task The_profile_lives_in_the_users_cache_folder_by_default_and_off_turns_it_off()
    {
        var cache = Path.Combine(_work, "xdg-cache");
        await RunToEnd("default-place", [], new Dictionary<string, string> { ["XDG_CACHE_HOME"] = cache });
        Assert.That(File.Exists(Path.Combine(cache, "topupspark", JitProfile.FileName)), Is.True, "no profile under $XDG_CACHE_HOME/topupspark");

        var elsewhere = Path.Combine(_work, "xdg-cache-off");
        var output = await RunToEnd("off", [], new Dictionary<string, string> { ["XDG_CACHE_HOME"] = elsewhere, ["TOPUP_JIT_PROFILE"] = JitProfile.Off });
        Assert.That(output, Does.Contain("JIT profile off"));
        Assert.That(Directory.Exists(Path.Combine(elsewhere, "topupspark")), Is.False, "TOPUP_JIT_PROFILE=off still wrote a profile");
    }

    private ProgramProcess Start(string name, IEnumerable<string> flags, IReadOnlyDictionary<string, string>? environment = null) =>
        ProgramProcess.Start(ProgramProcess.Dll("spark-job", "topup-job"), Path.Combine(_work, name + ".log"),
            ["--bootstrap-servers", _broker.BootstrapServers, "--model", _modelFile, "--out", Path.Combine(_work, name), "--no-ui", .. flags],
            environment);

    /// <summary>An available-now run over the (empty) topics, to its end; its output.</summary>
    private async Task<string> RunToEnd(string name, IEnumerable<string> flags, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var job = Start(name, ["--trigger", "available-now", .. flags], environment);
        Assert.That(await job.WaitForExitAsync(TimeSpan.FromMinutes(1)), Is.Zero, job.Output);
        return job.Output;
    }
}
