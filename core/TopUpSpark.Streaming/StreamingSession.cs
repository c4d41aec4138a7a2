using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Sinks;
using TopUpSpark.Streaming.Sources;
using TopUpSpark.Streaming.Operators;

namespace TopUpSpark.Streaming;

/// <summary>
/// The embedded engine's <c>SparkSession</c>: an application name, a core count (<c>local[N]</c>) and the
/// session time zone, which is UTC and only UTC. Streams are read from it, sinks registered on it, and
/// <see cref="Start"/> runs everything registered as one micro-batch query.
/// This is not Apache Spark: it runs in this process, on the same Structured Streaming semantics.
/// </summary>
public sealed class StreamingSession
{
    private readonly List<(PlanNode Node, IBatchSink Sink)> _sinks = [];

    private StreamingSession(string appName, int cores, ILoggerFactory loggerFactory)
    {
        AppName = appName;
        Cores = cores;
        LoggerFactory = loggerFactory;
    }

    public string AppName { get; }
    public int Cores { get; }
    public string SessionTimeZone => "UTC";
    public ILoggerFactory LoggerFactory { get; }

    public static Builder CreateBuilder() => new();

    /// <summary><c>spark.readStream.format("kafka").option("subscribe", topic).load()</c>.</summary>
    /// <param name="brokerTimeout">How long a read waits for a Kafka that does not answer before the query fails (default <see cref="KafkaOutage.DefaultLimit"/>).</param>
    public StreamFrame ReadKafka(KafkaSettings settings, string topic, StartingOffsets startingOffsets = StartingOffsets.Earliest, bool failOnDataLoss = true,
        TimeSpan? brokerTimeout = null)
    {
        var log = LoggerFactory.CreateLogger($"source.{topic}");
        var outage = new KafkaOutage(settings.BootstrapServers, brokerTimeout ?? KafkaOutage.DefaultLimit, log);
        return Read(topic, new KafkaSource(settings, topic, startingOffsets, failOnDataLoss, AppName, outage, log));
    }

    /// <summary>A stream from any source (tests use <see cref="MemorySource"/>).</summary>
    public StreamFrame Read(string topic, IStreamSource source) => new(this, new SourceScan(topic, source));

    internal void AddSink(PlanNode node, IBatchSink sink) => _sinks.Add((node, sink));

    /// <summary>Starts one query over every sink registered so far.</summary>
    public StreamingQuery Start(StreamingQueryOptions options, IDeadLetterSink? deadLetters = null) =>
        new(options, Cores, _sinks.ToList(), deadLetters, LoggerFactory);

    public sealed class Builder
    {
        private string _appName = "TopUpSpark";
        private int _cores = 2;
        private ILoggerFactory _loggerFactory = NullLoggerFactory.Instance;

        public Builder AppName(string name)
        {
            _appName = name;
            return this;
        }

        /// <summary><c>local</c>, <c>local[N]</c> or <c>local[*]</c>; cluster masters do not exist for the embedded engine.</summary>
        public Builder Master(string master)
        {
            var match = Regex.Match(master.Trim(), @"^local(?:\[(\d+|\*)\])?$");
            if (!match.Success)
                throw new ArgumentException(
                    $"master '{master}' is not supported: TopUpSpark runs its own embedded engine in this process, not on an Apache Spark cluster; use local[N]");
            _cores = !match.Groups[1].Success ? 1 : match.Groups[1].Value == "*" ? Environment.ProcessorCount : int.Parse(match.Groups[1].Value);
            if (_cores < 1) throw new ArgumentException("local[N] needs N ≥ 1");
            return this;
        }

        /// <summary>Spark configuration. Only settings the embedded engine honours are accepted; anything else is an error, not silently ignored.</summary>
        public Builder Config(string key, string value)
        {
            switch (key)
            {
                case "spark.sql.session.timeZone" when value is "UTC" or "Etc/UTC" or "GMT" or "Z":
                    break;
                case "spark.sql.session.timeZone":
                    throw new ArgumentException($"spark.sql.session.timeZone={value}: TopUpSpark keeps every time in UTC");
                case "spark.sql.shuffle.partitions" or "spark.default.parallelism":
                    break;
                default:
                    throw new ArgumentException($"configuration '{key}' is not known to the embedded engine");
            }
            return this;
        }

        public Builder Logging(ILoggerFactory loggerFactory)
        {
            _loggerFactory = loggerFactory;
            return this;
        }

        public StreamingSession GetOrCreate() => new(_appName, _cores, _loggerFactory);
    }
}
