using System.CommandLine;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using TopUpSpark.Core.Cli;
using TopUpSpark.Core.Kafka;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Core.Tests;

/// <summary>--kafka-config files, and how they combine with --bootstrap-servers and --kafka.</summary>
[UnsupportedOSPlatform("windows")] // the files' Unix modes are part of what is tested
public class KafkaConfigFileTests
{
    private string _folder = "";

    [SetUp]
    public void CreateFolder() => _folder = RepositoryRoot.NewScratchDirectory("kafka-config");

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private string WriteFile(string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = Path.Combine(_folder, $"kafka-{Guid.NewGuid():N}.properties");
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private static (RootCommand Root, KafkaConnectionFlags Flags) Command()
    {
        var flags = Flags.KafkaConnection();
        var root = new RootCommand();
        flags.AddTo(root);
        root.SetAction(_ => 0);
        return (root, flags);
    }

    [Test]
    public void Comments_blank_lines_and_whitespace_are_skipped_and_a_later_line_wins()
    {
        var path = WriteFile("""
            # SASL for the course cluster
            ! a Java-style comment

              security.protocol = SASL_SSL
            sasl.mechanism=PLAIN
            sasl.username=topup
            sasl.password=hunter2=with=equals
            sasl.mechanism = SCRAM-SHA-512
            """);

        var file = KafkaConfigFile.Read(path);

        Assert.That(file.Settings, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["security.protocol"] = "SASL_SSL",
            ["sasl.mechanism"] = "SCRAM-SHA-512",
            ["sasl.username"] = "topup",
            ["sasl.password"] = "hunter2=with=equals",
        }));
        Assert.That(file.ExposedSecrets, Is.Empty, "mode 600");
    }

    [TestCase("sasl.username=topup\nhunter2\n", 2)]
    [TestCase("# comment\n\n=hunter2\n", 3)]
    [TestCase("sasl.username=topup\nsasl.pasword=hunter2\n", 2)]
    [TestCase("sasl.oauthbearer.method=hunter2\n", 1)]
    public void A_bad_line_is_reported_with_the_file_and_its_number_but_not_its_text(string content, int line)
    {
        var path = WriteFile(content);

        var error = Assert.Throws<KafkaSettingsException>(() => KafkaConfigFile.Read(path))!;

        Assert.That(error.Message, Does.StartWith($"--kafka-config {path}, line {line}:"));
        Assert.That(error.Message, Does.Not.Contain("hunter2"));
    }

    [Test]
    public async Task A_missing_file_or_a_bad_line_refuses_the_command_line_naming_the_variable_it_came_from()
    {
        var missing = Path.Combine(_folder, "missing.properties");
        using (CommandLineRun.Environment(("TOPUP_KAFKA_CONFIG", missing)))
        {
            await CommandLineRun.AssertRefusedAsync(Command().Root, [], $"--kafka-config (from environment variable TOPUP_KAFKA_CONFIG): cannot read {missing}");
        }

        var bad = WriteFile("sasl.password hunter2\n");
        var errors = await CommandLineRun.AssertRefusedAsync(Command().Root, ["--kafka-config", bad], $"{bad}, line 1: expected key=value");
        Assert.That(errors, Does.Not.Contain("hunter2"));
    }

    [Test]
    public void Kafka_settings_override_the_file_and_the_file_gives_the_bootstrap_servers()
    {
        var path = WriteFile("bootstrap.servers=kafka-1:9093\nsasl.username=from-file\nsasl.password=secret\n");
        var (root, flags) = Command();

        var settings = flags.Resolve(root.Parse(["--kafka-config", path, "--kafka", "sasl.username=from-flag"]), NullLoggerFactory.Instance);

        Assert.That(settings.BootstrapServers, Is.EqualTo("kafka-1:9093"));
        Assert.That(settings.PassThrough, Is.EquivalentTo(new Dictionary<string, string> { ["sasl.username"] = "from-flag", ["sasl.password"] = "secret" }));
        Assert.That(settings.Producer("p").BootstrapServers, Is.EqualTo("kafka-1:9093"));
    }

    [Test]
    public void The_bootstrap_servers_flag_wins_over_the_file_and_the_variable_adds_settings()
    {
        var path = WriteFile("bootstrap.servers=kafka-1:9093\nsasl.username=from-file\n");
        var (root, flags) = Command();
        using var _ = CommandLineRun.Environment(("TOPUP_KAFKA", "sasl.username=from-variable; linger.ms=7"));

        var settings = flags.Resolve(root.Parse(["--kafka-config", path, "--bootstrap-servers", "broker:9092"]), NullLoggerFactory.Instance);

        Assert.That(settings.BootstrapServers, Is.EqualTo("broker:9092"));
        Assert.That(settings.Consumer("c", "g").BootstrapServers, Is.EqualTo("broker:9092"));
        Assert.That(settings.PassThrough, Is.EquivalentTo(new Dictionary<string, string> { ["sasl.username"] = "from-variable", ["linger.ms"] = "7" }));
    }

    [Test]
    public void A_file_others_may_read_gets_one_warning_when_it_holds_a_secret()
    {
        var exposed = WriteFile("sasl.username=topup\nsasl.password=hunter2\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var harmless = WriteFile("security.protocol=SSL\n", UnixFileMode.UserRead | UnixFileMode.OtherRead);
        var (root, flags) = Command();

        var warnings = new WarningCounter();
        using (var loggers = LoggerFactory.Create(builder => builder.AddProvider(warnings)))
        {
            flags.Resolve(root.Parse(["--kafka-config", exposed, "--bootstrap-servers", "h:1"]), loggers);
            flags.Resolve(root.Parse(["--kafka-config", harmless, "--bootstrap-servers", "h:1"]), loggers);
        }

        Assert.That(KafkaConfigFile.Read(exposed).ExposedSecrets, Is.EqualTo(new[] { "sasl.password" }));
        Assert.That(warnings.Messages, Has.Count.EqualTo(1));
        Assert.That(warnings.Messages[0], Does.Contain(exposed).And.Contain("sasl.password").And.Contain("chmod 600").And.Not.Contain("hunter2"));
    }

    /// <summary>Keeps the warnings logged, to count them.</summary>
    private sealed class WarningCounter : ILoggerProvider, ILogger
    {
        public List<string> Messages { get; } = [];

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel == LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) Messages.Add(formatter(state, exception));
        }

        public void Dispose()
        {
        }
    }
}
