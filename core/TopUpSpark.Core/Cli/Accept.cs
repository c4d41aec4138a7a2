using System.Net;
using System.Numerics;
using System.Text.RegularExpressions;

namespace TopUpSpark.Core.Cli;

/// <summary>
/// What a flag accepts, for <see cref="Flag{T}.Accepting"/>: each check returns null for a good value, or
/// why it is refused, saying the accepted range and the value ("must be at least 1, got 0").
/// </summary>
public static partial class Accept
{
    public static Func<T, string?> AtLeast<T>(T minimum) where T : INumber<T> =>
        value => value >= minimum ? null : $"must be at least {minimum}, got {value}";

    public static Func<T, string?> AtMost<T>(T maximum) where T : INumber<T> =>
        value => value <= maximum ? null : $"must be at most {maximum}, got {value}";

    public static Func<T, string?> Above<T>(T bound) where T : INumber<T> =>
        value => value > bound ? null : $"must be above {bound}, got {value}";

    public static Func<T, string?> Below<T>(T bound) where T : INumber<T> =>
        value => value < bound ? null : $"must be below {bound}, got {value}";

    public static Func<T, string?> Between<T>(T minimum, T maximum) where T : INumber<T> =>
        value => value >= minimum && value <= maximum ? null : $"must be between {minimum} and {maximum}, got {value}";

    public static Func<TimeSpan, string?> Positive { get; } =
        value => value > TimeSpan.Zero ? null : $"must be longer than 0, got {Duration.Format(value)}";

    public static Func<TimeSpan, string?> NotNegative { get; } =
        value => value >= TimeSpan.Zero ? null : $"must not be negative, got {Duration.Format(value)}";

    /// <summary>Unix seconds between two instants, shown as dates too, since nobody reads 946684800 as 2000.</summary>
    public static Func<long, string?> UnixTimeBetween(DateTimeOffset earliest, DateTimeOffset latest) =>
        value => value >= earliest.ToUnixTimeSeconds() && value <= latest.ToUnixTimeSeconds()
            ? null
            : $"must be a Unix time between {earliest.ToUnixTimeSeconds()} ({earliest:yyyy-MM-dd}) and {latest.ToUnixTimeSeconds()} ({latest:yyyy-MM-dd}), got {value}";

    /// <summary>A name Kafka accepts for a topic; anything else only fails once the program talks to Kafka.</summary>
    public static Func<string?, string?> TopicName { get; } =
        value => value is null || (TopicNamePattern().IsMatch(value) && value is not ("." or ".."))
            ? null
            : $"must be a Kafka topic name (letters, digits, '.', '_' and '-', at most 249), got '{value}'";

    /// <summary>An address a server listens on: an IP address, or localhost (see <see cref="ListenAddressOf"/>).</summary>
    public static Func<string, string?> ListenAddress { get; } =
        value => value == "localhost" || IPAddress.TryParse(value, out _) ? null : $"must be an IP address (e.g. 127.0.0.1) or localhost, got '{value}'";

    /// <summary>The address a value <see cref="ListenAddress"/> accepted stands for.</summary>
    public static IPAddress ListenAddressOf(string host) => host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(host);

    /// <summary>Text that <paramref name="parse"/> takes without a <see cref="FormatException"/>.</summary>
    public static Func<string, string?> ParsedBy<TResult>(Func<string, TResult> parse, string accepted) => value =>
    {
        try
        {
            parse(value);
            return null;
        }
        catch (FormatException)
        {
            return $"must be {accepted}, got '{value}'";
        }
    };

    [GeneratedRegex("^[A-Za-z0-9._-]{1,249}$")]
    private static partial Regex TopicNamePattern();
}
