using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace TopUpSpark.Core.Cli;

/// <summary>
/// Command-line flags with sensible defaults that an environment variable can override; the variable
/// is named in each flag's help. Precedence: flag, then environment variable, then default. Values from
/// either source are converted and checked at parse time (<see cref="Flag{T}"/>, <see cref="Accept"/>).
/// </summary>
public static class Flags
{
    public static Flag<T> Create<T>(string name, string environmentVariable, T defaultValue, string description)
    {
        var parse = ScalarParser<T>();
        // System.CommandLine's help shows no default for a true/false flag; a flag that is on unless turned off must say so.
        var shownDefault = defaultValue is bool on ? $" [default: {(on ? "true" : "false")}]" : "";
        // Only a true/false flag can be given without a value, and then it means true.
        return new Flag<T>(name, environmentVariable, defaultValue, $"{description} [env: {environmentVariable}]{shownDefault}",
            texts => parse(texts.Count == 0 ? bool.TrueString : texts[0]), variable => [variable]);
    }

    /// <summary>A duration flag that reads 500ms, 5s, 1m, 2h, 1d (or hh:mm:ss).</summary>
    public static Flag<TimeSpan> Duration(string name, string environmentVariable, TimeSpan defaultValue, string description)
    {
        var option = Create(name, environmentVariable, defaultValue, $"{description} (e.g. 5s, 500ms, 1m)");
        option.HelpName = "duration";
        return option;
    }

    /// <summary>A range of whole counts written MIN-MAX (or one number), e.g. --late 1-3.</summary>
    public static Flag<CountRange> Range(string name, string environmentVariable, CountRange defaultValue, string description)
    {
        var option = Create(name, environmentVariable, defaultValue, description);
        option.HelpName = "MIN-MAX";
        return option;
    }

    /// <summary>A flag that may be repeated; the variable holds values separated by ';'.</summary>
    public static Flag<string[]> Repeated(string name, string environmentVariable, string description) =>
        new(name, environmentVariable, [], $"{description} (repeatable) [env: {environmentVariable}, ';'-separated]",
            texts => texts.ToArray(),
            variable => variable.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>The standard Kafka connection flags every program takes.</summary>
    public static KafkaConnectionFlags KafkaConnection() => new();

    /// <summary>Refuses a pair of bounds whose lower one is above the upper one, e.g. --min-customers 20 --max-customers 10.</summary>
    public static void NotAbove<T>(Flag<T> lower, Flag<T> upper) where T : INumber<T> =>
        upper.AcceptingWith((high, command) => lower.TryGetValue(command, out var low) && low > high
            ? $"{lower.Origin(command)} must not be above {upper.Origin(command)}, got {low} > {high}"
            : null);

    /// <summary>How text becomes a value of each type a flag can have; the exception's message says what is accepted.</summary>
    private static Func<string, T> ScalarParser<T>()
    {
        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        Func<string, object> parse = target switch
        {
            _ when target == typeof(string) => text => string.IsNullOrWhiteSpace(text) ? throw new FormatException("must not be empty") : text,
            _ when target == typeof(int) => WholeNumber<int>,
            _ when target == typeof(long) => WholeNumber<long>,
            _ when target == typeof(double) => Number,
            _ when target == typeof(bool) => TrueOrFalse,
            _ when target == typeof(TimeSpan) => DurationValue,
            _ when target == typeof(CountRange) => text => CountRange.Parse(text),
            _ when target.IsEnum => text => EnumName(target, text),
            _ => throw new NotSupportedException($"a flag of type {target.Name}"),
        };
        return text => (T)parse(text);
    }

    private static object WholeNumber<T>(string text) where T : IBinaryInteger<T>, IMinMaxValue<T>
    {
        if (T.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)) return value;
        throw new FormatException(BigInteger.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
            ? $"must be a whole number from {T.MinValue} to {T.MaxValue}"
            : "must be a whole number");
    }

    private static object Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new FormatException("must be a number");

    private static object DurationValue(string text)
    {
        try
        {
            return Cli.Duration.Parse(text);
        }
        catch (OverflowException)
        {
            throw new FormatException($"must be a duration shorter than {TimeSpan.MaxValue.Days} days");
        }
        catch (FormatException)
        {
            throw new FormatException("must be a duration such as 500ms, 5s, 1m, 2h, 1d or hh:mm:ss");
        }
    }

    private static object TrueOrFalse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw new FormatException("must be true or false"),
    };

    // Enum.Parse alone would also take any number, named or not.
    private static object EnumName(Type type, string text) =>
        Enum.GetNames(type).FirstOrDefault(name => name.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase)) is { } name
            ? Enum.Parse(type, name)
            : throw new FormatException($"must be one of {string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))}");
}
