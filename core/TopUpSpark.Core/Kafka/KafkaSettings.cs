using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace TopUpSpark.Core.Kafka;

/// <summary>
/// How a program reaches Kafka: the bootstrap servers (default: the running embedded broker) and any
/// librdkafka setting passed through as <c>key=value</c> (SASL/SSL for a real cluster, tuning, …).
/// Pass-through settings are applied last, so they override this project's defaults.
/// </summary>
public sealed class KafkaSettings
{
    // Every Kafka client of this project is configured here, so this is where the native library gets
    // chosen (the self-contained build on Debian 12, see KafkaNativeLibrary) before any client loads it.
    static KafkaSettings() => KafkaNativeLibrary.EnsureLoaded();

    private readonly KafkaClientLog.Pace _clientLogPace = new();

    /// <summary>
    /// Where a client built from these settings sends librdkafka's log and errors. Every client of these
    /// settings shares one pace, so an unreachable Kafka is reported once per interval, not once per client.
    /// </summary>
    public KafkaClientLog ClientLog(ILogger logger, string client) => new(logger, client, BootstrapServers, _clientLogPace);

    public KafkaSettings(string bootstrapServers, IReadOnlyDictionary<string, string>? passThrough = null)
    {
        if (string.IsNullOrWhiteSpace(bootstrapServers))
            throw new ArgumentException("bootstrap servers must not be empty", nameof(bootstrapServers));
        BootstrapServers = bootstrapServers;
        PassThrough = passThrough ?? new Dictionary<string, string>();
    }

    public const string BootstrapServersKey = "bootstrap.servers";

    public string BootstrapServers { get; }
    public IReadOnlyDictionary<string, string> PassThrough { get; }

    /// <summary>
    /// Resolves where to connect: <paramref name="bootstrapServers"/> (the flag), else <c>bootstrap.servers</c>
    /// among the pass-through settings (a <c>--kafka-config</c> file or <c>--kafka</c>), else the embedded
    /// broker's announcement, else a clear error saying how to get one.
    /// </summary>
    public static KafkaSettings Resolve(string? bootstrapServers, IReadOnlyDictionary<string, string> passThrough)
    {
        var settings = new Dictionary<string, string>(passThrough, StringComparer.Ordinal);
        // The flag wins over a bootstrap.servers setting, which would otherwise be applied after it.
        settings.Remove(BootstrapServersKey, out var configured);
        var servers = string.IsNullOrWhiteSpace(bootstrapServers) ? configured ?? BootstrapFile.TryRead() : bootstrapServers;
        if (servers is null)
            throw new KafkaSettingsException(
                $"no Kafka to connect to: no embedded broker is running (none announced in {BootstrapFile.DefaultPath}). " +
                "Start one with ./scripts/broker.sh, or pass --bootstrap-servers host:port (or bootstrap.servers in --kafka-config) for a real Kafka.");
        return new KafkaSettings(servers, settings);
    }

    /// <summary>
    /// Parses <c>key=value</c> entries (whitespace around either trimmed; a later entry wins) and has librdkafka
    /// check each. Errors name <paramref name="origin"/> (the flag, or the variable it came from) and never
    /// show a secret value.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ParsePassThrough(IEnumerable<string> settings, string origin = "--kafka")
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var setting in settings)
        {
            var equals = setting.IndexOf('=');
            var key = equals < 0 ? "" : setting[..equals].Trim();
            if (key.Length == 0)
                throw new KafkaSettingsException($"{origin} expects key=value, got '{SecretSettings.RedactEntry(setting)}'");
            var value = setting[(equals + 1)..].Trim();
            RequireAccepted(key, value, origin);
            result[key] = value;
        }
        return result;
    }

    /// <summary>
    /// Has librdkafka check one setting as it would when a client is created, so a misspelt key or a bad value
    /// fails at start-up naming where it came from. The value is left to librdkafka's message, which shows it
    /// only for a bad value (masked for a secret key), not for a misspelt key, whose secret-ness is unknown.
    /// </summary>
    internal static void RequireAccepted(string key, string value, string origin)
    {
        // Confluent.Kafka's own settings are not librdkafka's; its clients take them out before librdkafka sees them.
        if (key.StartsWith("dotnet.", StringComparison.Ordinal)) return;
        var errstr = new byte[512];
        var conf = MockClusterNative.rd_kafka_conf_new();
        try
        {
            if (MockClusterNative.rd_kafka_conf_set(conf, key, value, errstr, (UIntPtr)errstr.Length) != 0)
                throw new KafkaSettingsException(
                    $"{origin}: librdkafka rejects {key}: {SecretSettings.RedactIn(MockClusterNative.ErrorBuffer(errstr), key, value)}");
        }
        finally
        {
            ConsumerNative.rd_kafka_conf_destroy(conf);
        }
    }

    /// <summary>Idempotent producer (acks=all) with compression, as DESIGN §1 asks of the producer.</summary>
    public ProducerConfig Producer(string clientId) => Producer(clientId, lingerMs: 5);

    /// <summary>
    /// The same producer for a writer that flushes after each small burst (a batch's per-state counts, its
    /// dead letters): waiting to fill a batch would only add to the flush, so no linger.
    /// </summary>
    public ProducerConfig FlushingProducer(string clientId) => Producer(clientId, lingerMs: 0);

    private ProducerConfig Producer(string clientId, double lingerMs)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = BootstrapServers,
            ClientId = clientId,
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = CompressionType.Lz4,
            LingerMs = lingerMs,
            BatchNumMessages = 10_000,
            // Keys go to partition murmur2(key) mod n, as Java's clients (and Kafka Streams) place them: the job's
            // tasks rely on a customer's rows being in the same partition number of every input topic, whoever
            // produced them. librdkafka's own default (CRC32) would place them elsewhere.
            Partitioner = KeyPartitioner,
        };
        Apply(config);
        return config;
    }

    /// <summary>How every producer of this project places a keyed message (docs/scaling.md).</summary>
    public const Partitioner KeyPartitioner = Partitioner.Murmur2Random;

    /// <summary>
    /// A consumer that never commits on its own: the streaming job keeps offsets in its checkpoint.
    /// Short session timeouts, because the mock broker makes a group's next joiner wait for them.
    /// </summary>
    public ConsumerConfig Consumer(string clientId, string groupId, AutoOffsetReset reset = AutoOffsetReset.Earliest)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            ClientId = clientId,
            GroupId = groupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = reset,
            SessionTimeoutMs = 6000,
            HeartbeatIntervalMs = 1000,
            EnablePartitionEof = true,
            FetchMaxBytes = 64 * 1024 * 1024,
        };
        Apply(config);
        return config;
    }

    public AdminClientConfig Admin(string clientId)
    {
        var config = new AdminClientConfig { BootstrapServers = BootstrapServers, ClientId = clientId };
        Apply(config);
        return config;
    }

    private void Apply(ClientConfig config)
    {
        foreach (var (key, value) in PassThrough)
            config.Set(key, value);
    }
}

public sealed class KafkaSettingsException(string message) : Exception(message);
