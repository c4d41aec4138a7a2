using System.Text.RegularExpressions;

namespace TopUpSpark.Core.Kafka;

/// <summary>
/// Which librdkafka settings hold secrets (passwords, private keys, OAuth tokens and credentials), so that
/// nothing this project prints — logs, errors, the launcher's command line — shows their values.
/// spark-submit.sh applies the same rules in bash; its test checks both agree.
/// </summary>
public static partial class SecretSettings
{
    public const string Mask = "***";

    /// <summary>
    /// True for keys matching <c>*password*</c>, <c>*secret*</c>, <c>ssl.key</c>/<c>ssl.key.*</c>,
    /// <c>sasl.oauthbearer.*</c>, <c>ssl.keystore.password</c>, <c>ssl.keystore.key</c> or
    /// <c>sasl.jaas.config</c>, in any case and with '_' or '-' for '.' (librdkafka's <c>ssl_key</c>).
    /// </summary>
    public static bool IsSecret(string key)
    {
        var normalized = key.Trim().ToLowerInvariant().Replace('_', '.').Replace('-', '.');
        return normalized.Contains("password", StringComparison.Ordinal)
               || normalized.Contains("secret", StringComparison.Ordinal)
               || normalized is "ssl.key" or "ssl.keystore.key" or "sasl.jaas.config"
               || normalized.StartsWith("ssl.key.", StringComparison.Ordinal)
               || normalized.StartsWith("sasl.oauthbearer.", StringComparison.Ordinal);
    }

    /// <summary>The value as it may be printed: <see cref="Mask"/> for a secret key.</summary>
    public static string Redact(string key, string value) => IsSecret(key) ? Mask : value;

    /// <summary>A message about one setting (librdkafka's "invalid value …"), without its value when that is a secret.</summary>
    public static string RedactIn(string message, string key, string value) => IsSecret(key) ? Hide(message, [value]) : message;

    /// <summary>
    /// A <c>key=value</c> entry as it may be printed. Text without '=' is shown when it is a bare key or names no
    /// secret; otherwise it may be a key and its value run together ("sasl.password:hunter2") and is hidden.
    /// A value without a key is always hidden.
    /// </summary>
    public static string RedactEntry(string entry)
    {
        var equals = entry.IndexOf('=');
        if (equals < 0) return IsSecret(entry) && !BareKey().IsMatch(entry) ? Mask : entry;
        var key = entry[..equals];
        return key.Trim().Length == 0 || IsSecret(key) ? $"{key}={Mask}" : entry;
    }

    /// <summary>
    /// The secret values on a command line, to hide wherever a message echoes an argument: the value of every
    /// <c>--kafka key=value</c> (also <c>--kafka=key=value</c>) with a secret key, and the argument after a
    /// bare <c>--kafka sasl.password</c>, which is where its value went.
    /// </summary>
    public static IReadOnlyList<string> ValuesIn(IReadOnlyList<string> arguments)
    {
        const string flag = "--kafka";
        var secrets = new List<string>();
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            string? entry = argument == flag && i + 1 < arguments.Count ? arguments[++i]
                : argument.StartsWith(flag + "=", StringComparison.Ordinal) || argument.StartsWith(flag + ":", StringComparison.Ordinal) ? argument[(flag.Length + 1)..]
                : null;
            if (entry is null) continue;
            var equals = entry.IndexOf('=');
            if (equals >= 0 && IsSecret(entry[..equals])) secrets.Add(entry[(equals + 1)..].Trim());
            else if (BareKey().IsMatch(entry) && IsSecret(entry) && i + 1 < arguments.Count && !arguments[i + 1].StartsWith("--", StringComparison.Ordinal))
                secrets.Add(arguments[i + 1]);
        }
        return secrets;
    }

    /// <summary><paramref name="text"/> with every occurrence of each secret replaced by <see cref="Mask"/>.</summary>
    public static string Hide(string text, IEnumerable<string> secrets) =>
        secrets.Where(secret => secret.Trim().Length > 0)
            .OrderByDescending(secret => secret.Length)
            .Aggregate(text, (hidden, secret) => hidden.Replace(secret, Mask, StringComparison.Ordinal));

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex BareKey();
}
