using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace TopUpSpark.Core.Kafka;

/// <summary>
/// How long a program waits for a Kafka that does not answer — unreachable, restarting, or frozen —
/// before it gives up, and how it says so meanwhile: one warning with the broker's address when the wait
/// starts to be long, then one every <see cref="ReportEvery"/>, and one line when Kafka answers again.
/// Kafka's own clients ride out two minutes by default (<c>delivery.timeout.ms</c>); the default limit
/// here is longer, so such an outage passes without losing anything.
/// </summary>
public sealed class KafkaOutage(string bootstrapServers, TimeSpan limit, ILogger log, TimeProvider? time = null)
{
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromMinutes(5);

    /// <summary>A wait shorter than this is normal latency and goes unreported.</summary>
    public static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(15);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public TimeSpan Limit { get; } = limit > TimeSpan.Zero ? limit : throw new ArgumentOutOfRangeException(nameof(limit), "the outage limit must be positive");
    public string BootstrapServers { get; } = bootstrapServers;

    /// <summary>Starts waiting for <paramref name="operation"/> (e.g. "reading customer[0, 3]"); call <see cref="Wait.Check"/> while nothing happens.</summary>
    public Wait Begin(string operation) => new(this, operation);

    /// <summary>
    /// Runs <paramref name="attempt"/> until it succeeds, retrying while it fails with a Kafka error that is
    /// not fatal, up to the limit. Errors that are not about Kafka (a missing topic reported as such, a bug) pass at once.
    /// </summary>
    public T Retry<T>(string operation, Func<T> attempt)
    {
        var wait = Begin(operation);
        while (true)
        {
            try
            {
                var result = attempt();
                wait.Done();
                return result;
            }
            catch (KafkaException e) when (!e.Error.IsFatal)
            {
                wait.Check(e.Error.Reason);
                Thread.Sleep(RetryBackoff);
            }
        }
    }

    private static readonly TimeSpan RetryBackoff = TimeSpan.FromMilliseconds(200);

    /// <summary>One operation's wait for Kafka. Used by one thread.</summary>
    public sealed class Wait
    {
        private readonly KafkaOutage _outage;
        private readonly string _operation;
        private long _startedAt;
        private TimeSpan _reportedUpTo;

        internal Wait(KafkaOutage outage, string operation)
        {
            _outage = outage;
            _operation = operation;
            _startedAt = outage._time.GetTimestamp();
        }

        public TimeSpan Elapsed => _outage._time.GetElapsedTime(_startedAt);

        /// <summary>Kafka answered: the wait starts again from now (and the end of a reported outage is logged).</summary>
        public void Progressed()
        {
            Done();
            _startedAt = _outage._time.GetTimestamp();
            _reportedUpTo = TimeSpan.Zero;
        }

        /// <summary>Logs that Kafka answered again, if its silence had been reported.</summary>
        public void Done()
        {
            if (_reportedUpTo > TimeSpan.Zero)
                _outage.Log.LogWarning("Kafka at {Bootstrap} answered again after {Seconds:0} s ({Operation})", _outage.BootstrapServers, Elapsed.TotalSeconds, _operation);
        }

        /// <summary>Still nothing: reports the wait now and then, and throws once it has lasted longer than the limit.</summary>
        /// <exception cref="KafkaOutageException">Kafka did not answer within the limit.</exception>
        public void Check(string? lastError = null)
        {
            var elapsed = Elapsed;
            if (elapsed > _outage.Limit)
                throw new KafkaOutageException(
                    $"Kafka at {_outage.BootstrapServers} did not answer for {elapsed.TotalSeconds:0} s while {_operation}" +
                    (lastError is null ? "" : $" (last error: {lastError})") +
                    $"; gave up after the {Cli.Duration.Format(_outage.Limit)} limit (--broker-timeout). Is the broker running and reachable from here?");
            if (elapsed - _reportedUpTo < ReportEvery) return;
            _reportedUpTo = elapsed;
            _outage.Log.LogWarning("Kafka at {Bootstrap} has not answered for {Seconds:0} s while {Operation}{Error}; waiting up to {Limit} in all",
                _outage.BootstrapServers, elapsed.TotalSeconds, _operation, lastError is null ? "" : $" (last error: {lastError})", Cli.Duration.Format(_outage.Limit));
        }
    }

    internal ILogger Log { get; } = log;
}

/// <summary>Kafka did not answer within the outage limit.</summary>
public sealed class KafkaOutageException(string message) : Exception(message);
