using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Kafka;

namespace TopUpSpark.Core.Cli;

/// <summary>
/// How every program is told where Kafka is: <c>--bootstrap-servers</c>, a <c>--kafka-config</c> properties
/// file and <c>--kafka key=value</c> settings. Settings apply in the order project defaults, file, then
/// <c>--kafka</c> (or <c>TOPUP_KAFKA</c>); <c>bootstrap.servers</c> from them counts when the flag is not given.
/// </summary>
public sealed class KafkaConnectionFlags
{
    public Flag<string?> BootstrapServers { get; } = Flags.Create<string?>("--bootstrap-servers", "TOPUP_BOOTSTRAP_SERVERS", null,
        "Kafka bootstrap servers, host:port[,host:port]; default: bootstrap.servers from --kafka-config, else the running embedded broker");

    public Flag<string?> ConfigFile { get; } = Flags.Create<string?>("--kafka-config", "TOPUP_KAFKA_CONFIG", null,
        "librdkafka properties file (key=value lines, # comments), e.g. SASL/SSL settings and credentials kept off the command line; --kafka overrides it");

    public Flag<string[]> Settings { get; } = Flags.Repeated("--kafka", "TOPUP_KAFKA",
        "Any librdkafka setting as key=value, e.g. security.protocol=SASL_SSL; overrides --kafka-config");

    public KafkaConnectionFlags()
    {
        ConfigFile.HelpName = "file";
        Settings.AcceptingWith((settings, command) =>
        {
            if (!ConfigFile.TryGetValue(command, out var file)) return null;
            try
            {
                PassThrough(Read(file, command), settings, Settings.Origin(command));
                return null;
            }
            catch (KafkaSettingsException e)
            {
                return e.Message;
            }
        });
    }

    /// <summary>Adds the flags to <paramref name="command"/>; the file and every setting are checked as it is parsed.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(BootstrapServers);
        command.Options.Add(ConfigFile);
        command.Options.Add(Settings);
    }

    /// <summary>The settings as parsed; warns (once, here) when the file lets others read its secrets.</summary>
    public KafkaSettings Resolve(ParseResult parse, ILoggerFactory loggers)
    {
        var file = Read(parse.GetValue(ConfigFile), parse.CommandResult);
        if (file is { ExposedSecrets.Count: > 0 })
            loggers.CreateLogger("kafka").LogWarning(
                "{File} holds secret settings ({Keys}) and users other than its owner may read it; chmod 600 it",
                file.Path, string.Join(", ", file.ExposedSecrets));
        var origin = Settings.Origin(parse.CommandResult);
        return KafkaSettings.Resolve(parse.GetValue(BootstrapServers), PassThrough(file, parse.GetValue(Settings) ?? [], origin));
    }

    private KafkaConfigFile? Read(string? path, SymbolResult command) =>
        path is null ? null : KafkaConfigFile.Read(path, ConfigFile.Origin(command));

    private static Dictionary<string, string> PassThrough(KafkaConfigFile? file, IEnumerable<string> settings, string settingsOrigin)
    {
        var merged = new Dictionary<string, string>(file?.Settings ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (key, value) in KafkaSettings.ParsePassThrough(settings, settingsOrigin)) merged[key] = value;
        return merged;
    }
}
