using NUnit.Framework;
using TopUpSpark.Core.Cli;

namespace TopUpSpark.Analytics.Tests;

/// <summary>Queries DuckDB refuses, and command lines topup-sql refuses: a clear message, never a stack trace.</summary>
public class QueryErrorTests
{
    private static JobOutputs Outputs => Pipeline.Outputs;

    [Test]
    public async Task Bad_sql_prints_duckdbs_message_and_exits_1()
    {
        var result = await SqlRun.RunAsync("--no-kafka", "--out", Outputs.One.OutputDirectory, "SELEC count(*) FROM joined");
        Assert.That(result.Exit, Is.EqualTo(1));
        Assert.That(result.Errors, Does.StartWith("topup-sql: error: Parser Error: syntax error at or near \"SELEC\""));
        Assert.That(result.Errors, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(result.Output, Is.Empty);
    }

    [Test]
    public async Task A_view_that_is_not_defined_is_explained()
    {
        var result = await SqlRun.RunAsync("--no-kafka", "--out", Outputs.One.OutputDirectory, "SELECT count(*) FROM dead_letters");
        Assert.That(result.Exit, Is.EqualTo(1));
        Assert.That(result.Errors, Does.Contain("Table with name dead_letters does not exist").And.Contain("view dead_letters is not defined: --no-kafka is set"));

        var missing = Path.Combine(Outputs.Work, "no-such-output");
        var noFolder = await SqlRun.RunAsync("--no-kafka", "--out", missing, "SELECT count(*) FROM joined");
        Assert.That(noFolder.Exit, Is.EqualTo(1));
        Assert.That(noFolder.Errors, Does.Contain($"view joined is not defined: no parquet files in {Path.Combine(missing, "joined")}"));
    }

    [Test]
    public async Task A_script_on_stdin_runs_until_its_first_error()
    {
        var result = await SqlRun.RunWithInputAsync("SELECT 41 + 1 AS answer;\nSELECT no_such_column FROM joined;\nSELECT 'not reached' AS after;\n",
            "--no-kafka", "--out", Outputs.One.OutputDirectory, "--csv");
        Assert.That(result.Exit, Is.EqualTo(1));
        Assert.That(result.Output.ReplaceLineEndings("\n"), Is.EqualTo("answer\n42\n"));
        Assert.That(result.Errors, Does.Contain("Binder Error").And.Contain("no_such_column"));
    }

    [Test]
    public async Task Csv_and_json_together_are_refused_as_a_usage_error()
    {
        var result = await SqlRun.RunAsync("--no-kafka", "--csv", "--json", "SELECT 1");
        Assert.That(result.Exit, Is.EqualTo(ProgramHost.UsageError));
        Assert.That(result.Errors, Does.Contain("--csv and --json exclude each other"));
    }

    [Test]
    public async Task A_kafka_that_does_not_answer_ends_it_within_the_broker_timeout_naming_the_broker()
    {
        // Port 1 (tcpmux) is not a Kafka broker; nothing listens there.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await SqlRun.RunAsync("kafka", "topics", "--bootstrap-servers", "127.0.0.1:1", "--broker-timeout", "1s");
        Assert.That(result.Exit, Is.EqualTo(1));
        Assert.That(result.Errors, Does.Contain("Kafka at 127.0.0.1:1 did not answer").And.Contain("--broker-timeout"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
    }

    [Test]
    public async Task An_inspector_limit_below_1_is_refused_as_a_usage_error()
    {
        var result = await SqlRun.RunAsync("kafka", "tail", "customer", "--limit", "0");
        Assert.That(result.Exit, Is.EqualTo(ProgramHost.UsageError));
        Assert.That(result.Errors, Does.Contain("--limit must be at least 1, got 0"));
    }

    [Test]
    public async Task Json_output_keeps_types_and_utc_times()
    {
        var result = await SqlRun.RunAsync("--no-kafka", "--json", "SELECT 1 AS n, 2.5::DOUBLE AS d, NULL AS nothing, 'a \"b\"' AS s, TIMESTAMPTZ '2026-11-25 06:00:30+05:30' AS t");
        Assert.That(result.Exit, Is.EqualTo(0), result.Errors);
        using var json = System.Text.Json.JsonDocument.Parse(result.Output);
        var row = json.RootElement.EnumerateArray().Single();
        Assert.That(row.GetProperty("n").GetInt64(), Is.EqualTo(1));
        Assert.That(row.GetProperty("d").GetDouble(), Is.EqualTo(2.5));
        Assert.That(row.GetProperty("nothing").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null));
        Assert.That(row.GetProperty("s").GetString(), Is.EqualTo("a \"b\""));
        Assert.That(row.GetProperty("t").GetString(), Is.EqualTo("2026-11-25T00:30:30Z"));
    }
}
