using NUnit.Framework;
using TopUpSpark.Broker;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Core.Tests;

/// <summary>The embedded broker's flags are checked before a cluster starts.</summary>
public class BrokerCommandTests
{
    [TestCase(new[] { "--partitions", "0" }, "--partitions must be at least 1, got 0")]
    [TestCase(new[] { "--brokers", "-1" }, "--brokers must be at least 1, got -1")]
    [TestCase(new[] { "--topics", "customer,,bureau" }, "--topics must be a Kafka topic name")]
    [TestCase(new[] { "--topics", "customer,my topic" }, "got 'my topic'")]
    [TestCase(new[] { "--announce-file", "" }, "--announce-file must not be empty")]
    public Task Bad_flags_are_refused_naming_the_flag(string[] args, string message) =>
        CommandLineRun.AssertRefusedAsync(BrokerCommand.Create(), args, message);

    [Test]
    public async Task Bad_variables_are_refused_naming_the_variable()
    {
        using var _ = CommandLineRun.Environment(("TOPUP_PARTITIONS", "0"), ("TOPUP_BROKERS", "many"));

        var errors = await CommandLineRun.AssertRefusedAsync(BrokerCommand.Create(), [],
            "--partitions (from environment variable TOPUP_PARTITIONS) must be at least 1, got 0");
        Assert.That(errors, Does.Contain("--brokers (from environment variable TOPUP_BROKERS) must be a whole number, got 'many'"));
    }

    [Test]
    public void Good_flags_parse() =>
        Assert.That(BrokerCommand.Create().Parse(["--partitions", "8", "--brokers", "3", "--topics", "a, b.dlq"]).Errors, Is.Empty);
}
