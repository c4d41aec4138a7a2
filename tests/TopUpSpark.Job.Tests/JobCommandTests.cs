using NUnit.Framework;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Job.Tests;

/// <summary>
/// Settings that would make the job do nothing, or fail once started, are refused while its command line is
/// parsed — from a flag or from its variable — and secret Kafka values never show in what it prints.
/// </summary>
public class JobCommandTests
{
    [TestCase("--max-records-per-trigger", "0", "must be at least 1, got 0")]
    [TestCase("--max-records-per-trigger", "-5", "must be at least 1, got -5")]
    [TestCase("--max-message-bytes", "0", "must be at least 1, got 0")]
    [TestCase("--max-message-bytes", "-1", "must be at least 1, got -1")]
    [TestCase("--cores", "0", "must be at least 1, got 0")]
    [TestCase("--window", "0s", "must be longer than 0")]
    [TestCase("--watermark", "-00:00:05", "must not be negative")]
    [TestCase("--max-event-time-ahead", "0ms", "must be longer than 0")]
    [TestCase("--trigger", "0s", "must be default, available-now or a positive interval such as 5s, got '0s'")]
    [TestCase("--trigger", "sometimes", "must be default, available-now or a positive interval such as 5s, got 'sometimes'")]
    [TestCase("--starting-offsets", "middle", "must be one of earliest, latest, got 'middle'")]
    [TestCase("--assembler-invalid", "2", "must be one of ")]
    [TestCase("--fail-on-data-loss", "perhaps", "Unrecognized command or argument 'perhaps'")]
    [TestCase("--output-topic", "per state", "must be a Kafka topic name")]
    [TestCase("--out", "", "must not be empty")]
    [TestCase("--bootstrap-servers", " ", "must not be empty")]
    [TestCase("--ui-port", "70000", "must be between 0 and 65535, got 70000")]
    [TestCase("--ui-host", "example.org", "must be an IP address (e.g. 127.0.0.1) or localhost, got 'example.org'")]
    public async Task A_refused_flag_is_named_with_the_accepted_range_and_exit_code_2(string flag, string value, string message)
    {
        var errors = await CommandLineRun.AssertRefusedAsync(JobCommand.Create(), [flag, value], message);
        if (!message.StartsWith("Unrecognized", StringComparison.Ordinal)) Assert.That(errors, Does.Contain($"{flag} "));
    }

    [TestCase("TOPUP_MAX_RECORDS_PER_TRIGGER", "0", "--max-records-per-trigger")]
    [TestCase("TOPUP_MAX_MESSAGE_BYTES", "-1", "--max-message-bytes")]
    [TestCase("TOPUP_CORES", "0", "--cores")]
    [TestCase("TOPUP_WINDOW", "0s", "--window")]
    [TestCase("TOPUP_TRIGGER", "never", "--trigger")]
    [TestCase("TOPUP_FAIL_ON_DATA_LOSS", "perhaps", "--fail-on-data-loss")]
    [TestCase("TOPUP_UI_PORT", "-1", "--ui-port")]
    public async Task A_refused_variable_is_named_with_its_flag(string variable, string value, string flag)
    {
        using var _ = CommandLineRun.Environment((variable, value));

        await CommandLineRun.AssertRefusedAsync(JobCommand.Create(), [], $"{flag} (from environment variable {variable}) must");
    }

    [Test]
    public Task Flushing_at_the_end_needs_a_trigger_that_ends() =>
        CommandLineRun.AssertRefusedAsync(JobCommand.Create(), ["--flush-at-end", "--trigger", "5s"], "--flush-at-end needs --trigger available-now");

    [Test]
    public void Good_values_parse()
    {
        var parse = JobCommand.Create().Parse([
            "--cores", "1", "--max-records-per-trigger", "20000", "--max-message-bytes", "1", "--watermark", "0s", "--window", "1m",
            "--trigger", "available-now", "--flush-at-end", "--starting-offsets", "LATEST", "--fail-on-data-loss", "false",
            "--max-event-time-ahead", "2h", "--output-topic", "topup-by-state.v2", "--kafka", "linger.ms=5",
        ]);

        Assert.That(parse.Errors, Is.Empty);
    }

    [TestCase("--kafka", "sasl.password", "hunter2")]
    [TestCase("--kafka", "sasl.oauthbearer.method=hunter2")]
    [TestCase("--kafka", "sasl.password:hunter2")]
    [TestCase("--kafka", "=hunter2")]
    [TestCase("--kafka=sasl.jaas.config=hunter2")]
    public async Task A_bad_kafka_setting_is_refused_without_showing_a_secret(params string[] args)
    {
        var errors = await CommandLineRun.AssertRefusedAsync(JobCommand.Create(), args, "--kafka");
        Assert.That(errors, Does.Not.Contain("hunter2"));
    }

    [Test]
    public async Task A_bad_kafka_setting_from_the_variable_is_refused_without_showing_a_secret()
    {
        using var _ = CommandLineRun.Environment(("TOPUP_KAFKA", "sasl.username=topup;sasl.oauthbearer.method=hunter2"));

        var errors = await CommandLineRun.AssertRefusedAsync(JobCommand.Create(), [], "--kafka (from environment variable TOPUP_KAFKA)");
        Assert.That(errors, Does.Not.Contain("hunter2"));
    }
}
