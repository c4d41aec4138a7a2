namespace TopUpSpark.Core.Kafka;

/// <summary>
/// A librdkafka/Java-style properties file (<c>--kafka-config</c>): <c>key=value</c> lines, <c>#</c> or <c>!</c>
/// comments and blank lines; whitespace around keys and values is trimmed; a later line wins. It keeps
/// credentials off the command line, where process listings, shell history and logs would show them.
/// </summary>
public sealed class KafkaConfigFile
{
    private KafkaConfigFile(string path, IReadOnlyDictionary<string, string> settings, IReadOnlyList<string> exposedSecrets)
    {
        Path = path;
        Settings = settings;
        ExposedSecrets = exposedSecrets;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>The secret keys in the file when users other than its owner may read it (Unix mode bits); else empty.</summary>
    public IReadOnlyList<string> ExposedSecrets { get; }

    /// <summary>
    /// Reads and checks the file (each setting with librdkafka). Errors start with <paramref name="origin"/> (the
    /// flag or variable that named the file), name the file and the line, and never show a line's text, which
    /// may hold a secret.
    /// </summary>
    /// <exception cref="KafkaSettingsException">the file is missing or unreadable, or a line is not a setting librdkafka takes.</exception>
    public static KafkaConfigFile Read(string path, string origin = "--kafka-config")
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KafkaSettingsException($"{origin}: cannot read {path}: {e.Message}");
        }
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var index = 0; index < lines.Length; index++)
        {
            var line = lines[index].Trim();
            if (line.Length == 0 || line[0] is '#' or '!') continue;
            var where = $"{origin} {path}, line {index + 1}";
            var equals = line.IndexOf('=');
            var key = equals < 0 ? "" : line[..equals].Trim();
            if (key.Length == 0)
                throw new KafkaSettingsException($"{where}: expected key=value (lines starting with # or ! are comments)");
            var value = line[(equals + 1)..].Trim();
            KafkaSettings.RequireAccepted(key, value, where);
            settings[key] = value;
        }
        var exposed = ReadableByOthers(path) ? settings.Keys.Where(SecretSettings.IsSecret).ToList() : [];
        return new KafkaConfigFile(path, settings, exposed);
    }

    private static bool ReadableByOthers(string path) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0;
}
