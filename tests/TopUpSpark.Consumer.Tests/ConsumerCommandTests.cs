using NUnit.Framework;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Consumer.Tests;

/// <summary>The consumer's flags are checked before it connects: none may leave it running with nothing to show.</summary>
public class ConsumerCommandTests
{
    [TestCase(new[] { "--no-server" }, "--no-server needs --html FILE or --text")]
    [TestCase(new[] { "--port", "65536" }, "--port must be between 0 and 65535, got 65536")]
    [TestCase(new[] { "--port", "-1" }, "--port must be between 0 and 65535, got -1")]
    [TestCase(new[] { "--history", "0" }, "--history must be between 1 and 10000, got 0")]
    [TestCase(new[] { "--host", "dashboard.example" }, "--host must be an IP address (e.g. 127.0.0.1) or localhost, got 'dashboard.example'")]
    [TestCase(new[] { "--topic", "" }, "--topic must not be empty")]
    [TestCase(new[] { "--html", "" }, "--html must not be empty")]
    [TestCase(new[] { "counts", "--topics", "customer,no topic" }, "--topics must be a Kafka topic name (letters, digits, '.', '_' and '-', at most 249), got 'no topic'")]
    [TestCase(new[] { "counts", "--topics", "," }, "--topics must name at least one topic")]
    [TestCase(new[] { "counts", "--bucket", "50ms" }, "--bucket must be at least 100ms, got 50ms")]
    [TestCase(new[] { "counts", "--window", "0s" }, "--window must be longer than 0, got 0ms")]
    [TestCase(new[] { "counts", "--window", "2s" }, "--window must be from one to 10,000 of --bucket, got 2s and 5s")]
    [TestCase(new[] { "counts", "--window", "1d", "--bucket", "1s" }, "--window must be from one to 10,000 of --bucket, got 1d and 1s")]
    [TestCase(new[] { "counts", "--group-by", "" }, "--group-by must not be empty")]
    [TestCase(new[] { "--streams-bucket", "5x" }, "--streams-bucket must be a duration such as 500ms, 5s, 1m, 2h, 1d or hh:mm:ss, got '5x'")]
    public Task A_refused_flag_is_named_with_what_it_needs(string[] args, string message) =>
        CommandLineRun.AssertRefusedAsync(ConsumerCommand.Create(), args, message);

    [Test]
    public async Task No_server_from_the_environment_without_any_output_is_refused_too()
    {
        using var _ = CommandLineRun.Environment(("TOPUP_DASHBOARD_NO_SERVER", "true"), ("TOPUP_DASHBOARD_PORT", "99999"));

        var errors = await CommandLineRun.AssertRefusedAsync(ConsumerCommand.Create(), [],
            "--no-server (from environment variable TOPUP_DASHBOARD_NO_SERVER) needs --html FILE or --text");
        Assert.That(errors, Does.Contain("--port (from environment variable TOPUP_DASHBOARD_PORT) must be between 0 and 65535, got 99999"));
    }

    [Test]
    public async Task Count_flags_from_the_environment_are_checked_with_their_variables_named()
    {
        using var _ = CommandLineRun.Environment(("TOPUP_COUNTS_BUCKET", "10s"), ("TOPUP_COUNTS_TOPICS", "a b"));

        var errors = await CommandLineRun.AssertRefusedAsync(ConsumerCommand.Create(), ["counts", "--window", "5s"],
            "--window must be from one to 10,000 of --bucket (from environment variable TOPUP_COUNTS_BUCKET), got 5s and 10s");
        Assert.That(errors, Does.Contain("--topics (from environment variable TOPUP_COUNTS_TOPICS) must be a Kafka topic name"));
    }

    [TestCase("--no-server", "--html", "out/dashboard.html")]
    [TestCase("--no-server", "--text")]
    [TestCase("--port", "0", "--host", "localhost", "--history", "10000")]
    [TestCase("--streams-topics", "customer", "--streams-group-by", "State", "--streams-window", "1m", "--streams-bucket", "1s")]
    [TestCase("counts", "--topics", "customer,bureau,sensors", "--group-by", "machine", "--window", "2m", "--bucket", "5s", "--text")]
    public void Good_values_parse(params string[] args) => Assert.That(ConsumerCommand.Create().Parse(args).Errors, Is.Empty);
}
