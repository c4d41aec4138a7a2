using System.Diagnostics;
using NUnit.Framework;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Job.Tests;

/// <summary>spark-submit.sh maps the options that mean something here and refuses the rest clearly.</summary>
public class SparkSubmitTests
{
    // The job is published once for the whole fixture, into a folder of this run's own: publishing takes
    // minutes on a busy machine and must not count against any test, nor rebuild the benchmark's copy.
    private string _publishDirectory = "";

    [OneTimeSetUp]
    public void PublishTheJobOnce()
    {
        _publishDirectory = RepositoryRoot.NewScratchDirectory("spark-submit-publish");
        var (exit, output) = Run(["-c", "source scripts/lib.sh && publish_program spark-job"], TimeSpan.FromMinutes(20), skipPublish: false);
        Assert.That(exit, Is.Zero, output);
    }

    [OneTimeTearDown]
    public void DeleteThePublishedJob() => Directory.Delete(_publishDirectory, recursive: true);

    private (int Exit, string Output) SparkSubmit(params string[] arguments) =>
        Run([Path.Combine(RepositoryRoot.Path, "spark-submit.sh"), .. arguments], TimeSpan.FromMinutes(3), skipPublish: true);

    private (int Exit, string Output) Run(IEnumerable<string> bashArguments, TimeSpan timeout, bool skipPublish)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot.Path };
        foreach (var argument in bashArguments) info.ArgumentList.Add(argument);
        info.Environment["TOPUP_PUBLISH_DIR"] = _publishDirectory;
        if (skipPublish) info.Environment["TOPUP_SKIP_PUBLISH"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"bash {string.Join(' ', bashArguments)} did not finish within {timeout}");
        }
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

    [TestCase(new[] { "--master", "local[0]" }, "--master local[0]: N in local[N] must be a whole number of at least 1")]
    [TestCase(new[] { "--master", "local[two]" }, "--master local[two]: N in local[N] must be a whole number of at least 1")]
    [TestCase(new[] { "--master" }, "--master needs a value")]
    [TestCase(new[] { "--name" }, "--name needs a value")]
    [TestCase(new[] { "--conf" }, "--conf needs a value")]
    [TestCase(new[] { "--deploy-mode" }, "--deploy-mode needs a value")]
    [TestCase(new[] { "--jars" }, "--jars needs a value")]
    public void Spark_options_without_a_usable_value_are_refused_naming_the_option(string[] arguments, string message)
    {
        var (exit, output) = SparkSubmit(arguments);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(output, Does.Contain(message));
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

    [Test]
    public void Sparks_ui_settings_set_the_streaming_ui_and_its_address_is_printed()
    {
        var (_, output) = SparkSubmit("--conf", "spark.ui.port=4141", "--conf", "spark.topup.model=/nonexistent/model.json", "--", "--bootstrap-servers", "127.0.0.1:1");
        Assert.That(output, Does.Contain("--ui-port 4141").And.Contain("streaming UI at http://127.0.0.1:4141/"));

        (_, output) = SparkSubmit("--conf", "spark.ui.enabled=false", "--conf", "spark.topup.model=/nonexistent/model.json", "--", "--bootstrap-servers", "127.0.0.1:1");
        Assert.That(output, Does.Contain("--no-ui").And.Not.Contain("streaming UI at"));

        var (exit, refused) = SparkSubmit("--conf", "spark.ui.enabled=maybe");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(refused, Does.Contain("spark.ui.enabled=maybe: true or false"));
    }

    [Test]
    public void A_job_flag_the_job_refuses_fails_before_anything_starts()
    {
        var (exit, output) = SparkSubmit("--master", "local[2]", "--", "--max-records-per-trigger", "0");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(output, Does.Contain("--max-records-per-trigger must be at least 1, got 0"));
    }

    [Test]
    public void Secret_kafka_settings_are_masked_in_the_printed_command_line_and_in_the_jobs_errors()
    {
        // Every secret rule, in each form a setting reaches the job in; librdkafka refuses some of them, so the
        // job's own errors are covered too.
        string[] arguments =
        [
            "--conf", "spark.topup.kafka=ssl.key.password=hunter2-conf", "--",
            .. SecretKafkaKeys.All.SelectMany((key, i) => i % 2 == 0 ? new[] { "--kafka", $"{key}=hunter2-{i}" } : [$"--kafka={key}=hunter2-{i}"]),
            "--kafka", "sasl.password", "hunter2-bare", "--kafka", "sasl.oauthbearer.method=hunter2-rejected",
            "--bootstrap-servers", "127.0.0.1:1", "--model", "/nonexistent/model.json",
        ];

        var (exit, output) = SparkSubmit(arguments);

        Assert.That(output, Does.Contain("running the TopUp job").And.Contain("--kafka sasl.password=***").And.Contain("--kafka ssl.key.password=***"));
        Assert.That(output, Does.Not.Contain("hunter2"), "no secret value in spark-submit.sh's line nor in the job's errors");
        Assert.That(exit, Is.EqualTo(2), output);
    }

    [Test]
    public void Help_prints_usage_text_and_the_jobs_flags_not_the_scripts_source()
    {
        var (exit, output) = SparkSubmit("--help");

        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.StartWith("spark-submit for the TopUp job.").And.Contain("  --master local | local[N] | local[*]")
            .And.Contain("The job's flags:").And.Contain("--watermark <duration>"));
        Assert.That(output.Split('\n').Where(line => line.StartsWith('#') || line.StartsWith("set -", StringComparison.Ordinal)), Is.Empty);
    }
}
