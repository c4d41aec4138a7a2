using System.CommandLine;
using TopUpSpark.Core.Kafka;

namespace TopUpSpark.Core.Cli;

/// <summary>How every program is told where Kafka is: <c>--bootstrap-servers</c> and <c>--kafka key=value</c> settings.</summary>
public sealed class KafkaConnectionFlags
{
    public Flag<string?> BootstrapServers { get; } = Flags.Create<string?>("--bootstrap-servers", "TOPUP_BOOTSTRAP_SERVERS", null,
        "Kafka bootstrap servers, host:port[,host:port]; default: the running embedded broker");

    public Flag<string[]> Settings { get; } = Flags.Repeated("--kafka", "TOPUP_KAFKA",
        "Any librdkafka setting as key=value, e.g. security.protocol=SASL_SSL");

    public KafkaConnectionFlags()
    {
        Settings.AcceptingWith((settings, command) =>
        {
            try
            {
                KafkaSettings.ParsePassThrough(settings, Settings.Origin(command));
                return null;
            }
            catch (KafkaSettingsException e)
            {
                return e.Message;
            }
        });
    }

    /// <summary>Adds the flags to <paramref name="command"/>; every setting is checked as it is parsed.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(BootstrapServers);
        command.Options.Add(Settings);
    }

    public KafkaSettings Resolve(ParseResult parse) => KafkaSettings.Resolve(parse.GetValue(BootstrapServers), parse.GetValue(Settings) ?? []);
}
