using System.CommandLine;
using System.Globalization;

namespace TopUpSpark.Core.Cli;

/// <summary>
/// Command-line flags with sensible defaults that an environment variable can override; the variable
/// is named in each flag's help. Precedence: flag, then environment variable, then default.
/// </summary>
public static class Flags
{
    public static Option<T> Create<T>(string name, string environmentVariable, T defaultValue, string description)
    {
        return new Option<T>(name)
        {
            Description = $"{description} [env: {environmentVariable}]",
            DefaultValueFactory = _ => FromEnvironment(environmentVariable, defaultValue),
        };
    }

    /// <summary>A duration flag that reads 500ms, 5s, 1m, 2h, 1d (or hh:mm:ss).</summary>
    public static Option<TimeSpan> Duration(string name, string environmentVariable, TimeSpan defaultValue, string description)
    {
        var option = Create(name, environmentVariable, defaultValue, $"{description} (e.g. 5s, 500ms, 1m; default {Cli.Duration.Format(defaultValue)})");
        option.CustomParser = result => Cli.Duration.Parse(result.Tokens.Single().Value);
        option.HelpName = "duration";
        return option;
    }

    /// <summary>A flag that may be repeated; the variable holds values separated by ';'.</summary>
    public static Option<string[]> Repeated(string name, string environmentVariable, string description)
    {
        return new Option<string[]>(name)
        {
            Description = $"{description} (repeatable) [env: {environmentVariable}, ';'-separated]",
            DefaultValueFactory = _ =>
                Environment.GetEnvironmentVariable(environmentVariable) is { Length: > 0 } value
                    ? value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    : [],
        };
    }

    /// <summary>The standard Kafka connection flags every program takes.</summary>
    public static (Option<string?> BootstrapServers, Option<string[]> KafkaSettings) KafkaConnection() =>
    (
        Create<string?>("--bootstrap-servers", "TOPUP_BOOTSTRAP_SERVERS", null,
            "Kafka bootstrap servers, host:port[,host:port]; default: the running embedded broker"),
        Repeated("--kafka", "TOPUP_KAFKA",
            "Any librdkafka setting as key=value, e.g. security.protocol=SASL_SSL")
    );

    private static T FromEnvironment<T>(string variable, T defaultValue)
    {
        var raw = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(raw)) return defaultValue;
        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        try
        {
            object value = target switch
            {
                _ when target == typeof(string) => raw,
                _ when target == typeof(int) => int.Parse(raw, CultureInfo.InvariantCulture),
                _ when target == typeof(long) => long.Parse(raw, CultureInfo.InvariantCulture),
                _ when target == typeof(double) => double.Parse(raw, CultureInfo.InvariantCulture),
                _ when target == typeof(bool) => raw is "1" || bool.Parse(raw),
                _ when target == typeof(TimeSpan) => Cli.Duration.Parse(raw),
                _ when target.IsEnum => Enum.Parse(target, raw, ignoreCase: true),
                _ => throw new NotSupportedException($"environment override of a {target.Name} flag"),
            };
            return (T)value;
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new FormatException($"environment variable {variable}='{raw}' is not a valid {target.Name}: {e.Message}");
        }
    }
}
