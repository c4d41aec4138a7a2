using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace TopUpSpark.Core.Kafka;

/// <summary>
/// librdkafka's log lines and client errors through <see cref="ILogger"/>, readable when Kafka cannot be
/// reached: without it librdkafka prints every failed connection attempt to stderr (hundreds of <c>FAIL</c>
/// lines a minute, none naming the setting to check). Warnings and errors say which Kafka they are about
/// and, for connection trouble, what to check; after one, the next ones are held back for
/// <see cref="RepeatEvery"/> and counted in the line that follows — across every client sharing a
/// <see cref="Pace"/> (<see cref="KafkaSettings.ClientLog"/> gives all clients of a program one), so a
/// program with seven clients says once, not seven times, that Kafka does not answer. Fatal errors are
/// always logged; librdkafka's informational lines go to debug.
/// </summary>
public sealed class KafkaClientLog
{
    public static readonly TimeSpan RepeatEvery = TimeSpan.FromSeconds(10);

    private static readonly HashSet<string> ConnectionFacilities = ["FAIL", "ERROR", "REQTMOUT", "CONNECT", "BROKERFAIL"];

    private static readonly HashSet<ErrorCode> ConnectionErrors =
    [
        ErrorCode.Local_Transport, ErrorCode.Local_AllBrokersDown, ErrorCode.Local_TimedOut, ErrorCode.Local_Resolve,
        ErrorCode.Local_TimedOutQueue, ErrorCode.Local_MsgTimedOut, ErrorCode.Local_Authentication, ErrorCode.Local_Ssl,
    ];

    private readonly ILogger _logger;
    private readonly string _client;
    private readonly string _bootstrapServers;
    private readonly Pace _pace;

    public KafkaClientLog(ILogger logger, string client, string bootstrapServers, Pace? pace = null)
    {
        _logger = logger;
        _client = client;
        _bootstrapServers = bootstrapServers;
        _pace = pace ?? new Pace();
    }

    /// <summary>Where the client's own messages go (e.g. a failing callback of the client's user).</summary>
    public ILogger Logger => _logger;

    /// <summary>How often warnings may be logged, shared by the clients that use the same instance.</summary>
    public sealed class Pace(TimeProvider? time = null)
    {
        private readonly TimeProvider _time = time ?? TimeProvider.System;
        private readonly Lock _gate = new();
        private DateTimeOffset _lastReported = DateTimeOffset.MinValue;
        private int _heldBack;

        /// <summary>Whether a warning may be logged now; if so, how many were held back since the last one.</summary>
        public bool TryReport(out int heldBack)
        {
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                if (now - _lastReported < RepeatEvery)
                {
                    _heldBack++;
                    heldBack = 0;
                    return false;
                }
                _lastReported = now;
                heldBack = _heldBack;
                _heldBack = 0;
                return true;
            }
        }
    }

    /// <summary>A librdkafka log line; <paramref name="syslogLevel"/> 0–7 as librdkafka gives it (3 error, 4 warning).</summary>
    public void Log(int syslogLevel, string? facility, string? line)
    {
        try
        {
            if (syslogLevel > 4)
                _logger.LogDebug("librdkafka {Client} {Facility}: {Line}", _client, facility, line);
            else
                Report(line ?? "", facility is not null && ConnectionFacilities.Contains(facility));
        }
        catch (Exception)
        {
            // Called from librdkafka's threads: a failing logger has nowhere to report to, and unwinding into native code would abort the process.
        }
    }

    public void Log(LogMessage message) => Log((int)message.Level, message.Facility, message.Message);

    /// <summary>A client error from librdkafka's error callback.</summary>
    public void Error(Error error)
    {
        try
        {
            if (error.IsFatal)
                _logger.LogError("Kafka at {Bootstrap} ({Client}): fatal error {Code}: {Reason}", _bootstrapServers, _client, error.Code, error.Reason);
            else
                Report($"{error.Reason} ({error.Code})", ConnectionErrors.Contains(error.Code));
        }
        catch (Exception)
        {
            // As in Log.
        }
    }

    private void Report(string what, bool connection)
    {
        if (!_pace.TryReport(out var heldBack)) return;
        var hint = connection ? " — is it running and reachable from here, and are --bootstrap-servers and the security settings right?" : "";
        var more = heldBack == 0 ? "" : $" ({heldBack} more such message(s) since the last one)";
        _logger.LogWarning("Kafka at {Bootstrap} ({Client}): {What}{Hint}{More}", _bootstrapServers, _client, what, hint, more);
    }
}

/// <summary>Routes a Confluent.Kafka client's log and errors to a <see cref="KafkaClientLog"/>.</summary>
public static class KafkaClientLogBuilders
{
    public static ProducerBuilder<TKey, TValue> LogTo<TKey, TValue>(this ProducerBuilder<TKey, TValue> builder, KafkaClientLog log) =>
        builder.SetLogHandler((_, message) => log.Log(message)).SetErrorHandler((_, error) => log.Error(error));

    public static AdminClientBuilder LogTo(this AdminClientBuilder builder, KafkaClientLog log) =>
        builder.SetLogHandler((_, message) => log.Log(message)).SetErrorHandler((_, error) => log.Error(error));

    public static ConsumerBuilder<TKey, TValue> LogTo<TKey, TValue>(this ConsumerBuilder<TKey, TValue> builder, KafkaClientLog log) =>
        builder.SetLogHandler((_, message) => log.Log(message)).SetErrorHandler((_, error) => log.Error(error));
}
