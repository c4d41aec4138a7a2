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

    [TestCase("--no-server", "--html", "out/dashboard.html")]
    [TestCase("--no-server", "--text")]
    [TestCase("--port", "0", "--host", "localhost", "--history", "10000")]
    public void Good_values_parse(params string[] args) => Assert.That(ConsumerCommand.Create().Parse(args).Errors, Is.Empty);
}
