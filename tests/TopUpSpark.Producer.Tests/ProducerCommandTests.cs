using NUnit.Framework;
using TopUpSpark.Producer.Cli;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Producer.Tests;

/// <summary>The producer's and the generator's flags are checked before anything is read or sent.</summary>
public class ProducerCommandTests
{
    [TestCase(new[] { "--replay", "--start-ts", "-99999999999999" },
        "--start-ts must be a Unix time between 946684800 (2000-01-01) and 4102444800 (2100-01-01), got -99999999999999")]
    [TestCase(new[] { "--start-ts", "1764000000" }, "--start-ts needs --replay")]
    [TestCase(new[] { "--min-customers", "0" }, "--min-customers must be at least 1, got 0")]
    [TestCase(new[] { "--min-customers", "31" }, "--min-customers must not be above --max-customers, got 31 > 30")]
    [TestCase(new[] { "run", "--max-customers", "5" }, "--min-customers must not be above --max-customers, got 10 > 5")]
    [TestCase(new[] { "--interval", "0" }, "--interval must be above 0, got 0")]
    [TestCase(new[] { "--interval", "NaN" }, "--interval must be a number, got 'NaN'")]
    [TestCase(new[] { "--batches", "0" }, "--batches must be at least 1, got 0")]
    [TestCase(new[] { "--customer-topic", "" }, "--customer-topic must not be empty")]
    [TestCase(new[] { "--late", "3-1" }, "--late must have MIN ≤ MAX, got 3 > 1, got '3-1'")]
    [TestCase(new[] { "--late", "-1" }, "--late must be a range MIN-MAX of whole numbers from 0 (e.g. 1-3), or one number, got '-1'")]
    [TestCase(new[] { "--late", "1-x" }, "--late must be a range MIN-MAX of whole numbers from 0 (e.g. 1-3), or one number, got '1-x'")]
    [TestCase(new[] { "--late-seed", "x" }, "--late-seed must be a whole number, got 'x'")]
    [TestCase(new[] { "generate", "--customers", "0" }, "--customers must be between 1 and 10000000, got 0")]
    [TestCase(new[] { "generate", "--out", " " }, "--out must not be empty")]
    public Task A_refused_flag_is_named_with_the_accepted_range(string[] args, string message) =>
        CommandLineRun.AssertRefusedAsync(RunCommand.Root(), args, message);

    [Test]
    public async Task Refused_variables_are_named_with_their_flags()
    {
        using var _ = CommandLineRun.Environment(("TOPUP_REPLAY", "true"), ("TOPUP_START_TS", "-99999999999999"), ("TOPUP_MAX_CUSTOMERS", "3"),
            ("TOPUP_GEN_CUSTOMERS", "0"));

        var errors = await CommandLineRun.AssertRefusedAsync(RunCommand.Root(), [], "--start-ts (from environment variable TOPUP_START_TS) must be a Unix time");
        Assert.That(errors, Does.Contain("--min-customers must not be above --max-customers (from environment variable TOPUP_MAX_CUSTOMERS), got 10 > 3"));
        await CommandLineRun.AssertRefusedAsync(RunCommand.Root(), ["generate"],
            "--customers (from environment variable TOPUP_GEN_CUSTOMERS) must be between 1 and 10000000, got 0");
    }

    [TestCase("--replay", "--start-ts", "1764000000", "--interval", "0.5", "--min-customers", "30", "--max-customers", "30", "--batches", "1")]
    [TestCase("run", "--seed", "-7", "--stop-at-end", "--kafka", "linger.ms=5")]
    [TestCase("--late", "1-3", "--late-seed", "5")]
    [TestCase("--late", "2")]
    [TestCase("generate", "--customers", "1", "--seed", "-1")]
    public void Good_values_parse(params string[] args) => Assert.That(RunCommand.Root().Parse(args).Errors, Is.Empty);
}
