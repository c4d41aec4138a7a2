using System.Diagnostics;
using NUnit.Framework;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Job.Tests;

/// <summary>spark-submit.sh maps the options that mean something here and refuses the rest clearly.</summary>
public class SparkSubmitTests
{
    private static (int Exit, string Output) SparkSubmit(params string[] arguments)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot.Path };
        info.ArgumentList.Add(Path.Combine(RepositoryRoot.Path, "spark-submit.sh"));
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.That(process.WaitForExit(TimeSpan.FromMinutes(3)), Is.True, "spark-submit.sh did not finish");
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [TestCase("yarn")]
    [TestCase("spark://master:7077")]
    [TestCase("k8s://https://kubernetes:443")]
    [TestCase("mesos://host:5050")]
    public void Cluster_masters_fail_with_a_clear_message_pointing_to_the_docs(string master)
    {
        var (exit, output) = SparkSubmit("--master", master);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(output, Does.Contain("no Apache Spark cluster backend").And.Contain("docs/running.md"));
    }

    [Test]
    public void A_session_time_zone_other_than_utc_is_refused()
    {
        var (exit, output) = SparkSubmit("--master", "local[2]", "--conf", "spark.sql.session.timeZone=Asia/Kolkata");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(output, Does.Contain("UTC"));
    }

    [Test]
    public void Unknown_spark_settings_are_refused_rather_than_ignored()
    {
        var (exit, output) = SparkSubmit("--conf", "spark.sql.adaptive.enabled=true");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(output, Does.Contain("spark.sql.adaptive.enabled").And.Contain("spark.topup."));
    }

    [Test]
    public void The_options_become_job_flags_and_the_job_says_it_is_not_apache_spark()
    {
        // A missing model file stops the job right after it parsed its flags, so the mapping shows in its error.
        var (exit, output) = SparkSubmit("--master", "local[3]", "--name", "TopUpTest", "--conf", "spark.sql.session.timeZone=UTC",
            "--conf", "spark.topup.model=/nonexistent/model.json", "--packages", "org.apache.spark:spark-sql-kafka-0-10_2.12:3.3.0",
            "--", "--bootstrap-servers", "127.0.0.1:1");
        Assert.That(output, Does.Contain("ignoring --packages"));
        Assert.That(output, Does.Contain("--cores 3 --app-name TopUpTest --model /nonexistent/model.json"));
        Assert.That(output, Does.Contain("embedded engine (not an Apache Spark cluster)"));
        Assert.That(output, Does.Contain("/nonexistent/model.json"));
        Assert.That(exit, Is.Not.Zero);
    }
}
