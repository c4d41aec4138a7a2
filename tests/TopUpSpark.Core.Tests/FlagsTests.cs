using System.CommandLine;
using NUnit.Framework;
using TopUpSpark.Core.Cli;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Core.Tests;

/// <summary>The flag mechanism every program uses: values from flags and variables are checked alike at parse time.</summary>
public class FlagsTests
{
    private const string CoresVariable = "TOPUP_TEST_CORES";

    private enum Mode { Fast, Careful }

    private sealed record TestCommand(RootCommand Root, Flag<int> Cores, Flag<long?> Limit, Flag<TimeSpan> Window, Flag<Mode> Mode, Flag<bool> Flush,
        Flag<int> Low, Flag<int> High);

    private static TestCommand Command()
    {
        var cores = Flags.Create("--cores", CoresVariable, 2, "threads").Accepting(Accept.AtLeast(1));
        var limit = Flags.Create<long?>("--limit", "TOPUP_TEST_LIMIT", null, "records").Accepting(Accept.AtLeast(1L));
        var window = Flags.Duration("--window", "TOPUP_TEST_WINDOW", TimeSpan.FromSeconds(30), "window").Accepting(Accept.Positive);
        var mode = Flags.Create("--mode", "TOPUP_TEST_MODE", Mode.Fast, "mode");
        var flush = Flags.Create("--flush", "TOPUP_TEST_FLUSH", false, "flush");
        var low = Flags.Create("--low", "TOPUP_TEST_LOW", 1, "low");
        var high = Flags.Create("--high", "TOPUP_TEST_HIGH", 5, "high");
        var root = new RootCommand("test") { cores, limit, window, mode, flush, low, high };
        Flags.NotAbove(low, high);
        flush.Requires(on => on, result => mode.TryGetValue(result, out var m) && m == Mode.Careful, "--mode careful");
        root.SetAction(_ => 0);
        return new TestCommand(root, cores, limit, window, mode, flush, low, high);
    }

    [TestCase(new[] { "--cores", "0" }, "--cores must be at least 1, got 0")]
    [TestCase(new[] { "--cores", "-3" }, "--cores must be at least 1, got -3")]
    [TestCase(new[] { "--cores", "two" }, "--cores must be a whole number, got 'two'")]
    [TestCase(new[] { "--cores", "99999999999" }, "--cores must be a whole number from -2147483648 to 2147483647, got '99999999999'")]
    [TestCase(new[] { "--limit", "0" }, "--limit must be at least 1, got 0")]
    [TestCase(new[] { "--window", "0s" }, "--window must be longer than 0, got 0ms")]
    [TestCase(new[] { "--window", "soon" }, "--window must be a duration such as 500ms, 5s, 1m, 2h, 1d or hh:mm:ss, got 'soon'")]
    [TestCase(new[] { "--mode", "1" }, "--mode must be one of fast, careful, got '1'")]
    [TestCase(new[] { "--mode", "careful", "--flush", "maybe" }, "Unrecognized command or argument 'maybe'")]
    [TestCase(new[] { "--low", "6" }, "--low must not be above --high, got 6 > 5")]
    [TestCase(new[] { "--flush" }, "--flush needs --mode careful")]
    public async Task A_refused_value_ends_the_run_with_one_line_naming_the_flag_and_exit_code_2(string[] args, string message)
    {
        var errors = await CommandLineRun.AssertRefusedAsync(Command().Root, args, message);
        Assert.That(errors.TrimEnd().Split('\n'), Has.Length.EqualTo(1), errors);
    }

    [Test]
    public async Task A_value_from_the_environment_is_checked_as_strictly_and_the_message_names_the_variable()
    {
        using var _ = CommandLineRun.Environment((CoresVariable, "0"), ("TOPUP_TEST_HIGH", "0"));

        var errors = await CommandLineRun.AssertRefusedAsync(Command().Root, [], $"--cores (from environment variable {CoresVariable}) must be at least 1, got 0");
        Assert.That(errors, Does.Contain("--low must not be above --high (from environment variable TOPUP_TEST_HIGH), got 1 > 0"));
    }

    [Test]
    public async Task A_flag_wins_over_its_variable_and_a_good_value_from_either_is_taken()
    {
        using var _ = CommandLineRun.Environment((CoresVariable, "0"), ("TOPUP_TEST_WINDOW", "1m"), ("TOPUP_TEST_FLUSH", "1"), ("TOPUP_TEST_MODE", "CAREFUL"));
        var command = Command();

        var parse = command.Root.Parse(["--cores", "4", "--limit", "20000"]);

        Assert.That(parse.Errors, Is.Empty);
        Assert.That(parse.GetValue(command.Cores), Is.EqualTo(4));
        Assert.That(parse.GetValue(command.Limit), Is.EqualTo(20_000));
        Assert.That(parse.GetValue(command.Window), Is.EqualTo(TimeSpan.FromMinutes(1)));
        Assert.That(parse.GetValue(command.Mode), Is.EqualTo(Mode.Careful));
        Assert.That(parse.GetValue(command.Flush), Is.True);
        Assert.That(await CommandLineRun.RunAsync(command.Root, "--cores", "4"), Is.EqualTo((0, "")));
    }

    [Test]
    public void Defaults_apply_when_neither_flag_nor_variable_is_set()
    {
        var command = Command();
        var parse = command.Root.Parse([]);

        Assert.That(parse.Errors, Is.Empty);
        Assert.That(parse.GetValue(command.Cores), Is.EqualTo(2));
        Assert.That(parse.GetValue(command.Limit), Is.Null);
        Assert.That(parse.GetValue(command.Flush), Is.False);
    }

    [TestCase("")]
    [TestCase("  ")]
    public void Text_flags_refuse_an_empty_value(string value)
    {
        var output = Flags.Create("--out", "TOPUP_TEST_OUT", "output", "folder");
        var parse = new RootCommand { output }.Parse(["--out", value]);

        Assert.That(parse.Errors.Select(e => e.Message), Is.EqualTo(new[] { $"--out must not be empty, got '{value}'" }));
    }

    [TestCase("customer", true)]
    [TestCase("topup-by-state.dlq_2", true)]
    [TestCase("", false)]
    [TestCase("my topic", false)]
    [TestCase("..", false)]
    public void Topic_names_are_those_kafka_accepts(string name, bool accepted) =>
        Assert.That(Accept.TopicName(name) is null, Is.EqualTo(accepted));

    [Test]
    public void Unix_times_are_shown_with_their_dates()
    {
        var check = Accept.UnixTimeBetween(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.That(check(1_764_000_000), Is.Null);
        Assert.That(check(-99_999_999_999_999), Is.EqualTo(
            "must be a Unix time between 946684800 (2000-01-01) and 4102444800 (2100-01-01), got -99999999999999"));
    }

    [Test]
    public async Task Help_shows_durations_as_they_are_written_and_the_default_of_a_true_false_flag()
    {
        var command = Command();
        command.Root.Add(Flags.Duration("--patience", "TOPUP_TEST_PATIENCE", TimeSpan.FromDays(1), "patience"));
        command.Root.Add(Flags.Duration("--tick", "TOPUP_TEST_TICK", TimeSpan.FromMilliseconds(500), "tick"));
        command.Root.Add(Flags.Create("--strict", "TOPUP_TEST_STRICT", true, "strict"));

        var (exit, help) = await CommandLineRun.OutputOfAsync(command.Root, "--help");

        Assert.That(exit, Is.Zero);
        Assert.That(help, Does.Match(@"--window <duration>\s+window \(e\.g\. 5s, 500ms, 1m\) \[env: TOPUP_TEST_WINDOW\] \[default: 30s\]"));
        Assert.That(help, Does.Contain("[default: 1d]").And.Contain("[default: 500ms]"));
        Assert.That(help, Does.Not.Match(@"\d\d:\d\d:\d\d"));
        Assert.That(help, Does.Contain("strict [env: TOPUP_TEST_STRICT] [default: true]"));
        Assert.That(help, Does.Contain("flush [env: TOPUP_TEST_FLUSH] [default: false]"));
    }
}
