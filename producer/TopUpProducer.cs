using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TopUpSpark.Core.Kafka;

namespace TopUpSpark.Producer;

/// <summary>
/// The course's Task 1: every interval, the next 10–30 customers of customer.csv (in file order) go to the
/// customer topic and all bureau rows of exactly those IDs to the bureau topic, every message of the batch
/// carrying the same <c>ts</c>. Batch k is due at start + k·interval, so a slow send does not shift later
/// batches. In replay mode batches go out back to back and batch k is stamped start-ts + k·interval, so a
/// streaming job downstream still sees event time advance as it would live.
/// </summary>
public sealed class TopUpProducer
{
    private readonly TopUpInput _input;
    private readonly KafkaSettings _kafka;
    private readonly ProducerOptions _options;
    private readonly ILogger _logger;

    public TopUpProducer(TopUpInput input, KafkaSettings kafka, ProducerOptions options, ILogger? logger = null)
    {
        options.Validate();
        _input = input;
        _kafka = kafka;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Raised on the producing thread after each batch was handed to Kafka — acknowledged already in
    /// interval mode; in replay mode only queued (everything is acknowledged when <see cref="RunAsync"/>
    /// returns).
    /// </summary>
    public event Action<ProducedBatch>? BatchProduced;

    /// <summary>Sends until the batch limit, the end of the data (with StopAtEnd) or cancellation; then flushes.</summary>
    public Task<ProducerRunSummary> RunAsync(CancellationToken cancel = default) =>
        Task.Run(() => RunCoreAsync(cancel), CancellationToken.None);

    private async Task<ProducerRunSummary> RunCoreAsync(CancellationToken cancel)
    {
        using var sender = new KafkaSender(_kafka, _options.ClientId, _options.Replay, _logger);
        var random = _options.Seed is { } seed ? new Random(seed) : new Random();
        var holdBack = new LateHoldBack<PreparedRow>(_options.Late, _options.LateSeed);
        var customers = _input.Customers;
        var replayStart = (_options.ReplayStart ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        long batches = 0, customerMessages = 0, bureauMessages = 0;
        var cursor = 0;
        var pass = 0;
        var reachedEnd = false;

        // A customer's row, then all its bureau rows: the unit that is sent on time or held back together.
        int SendCustomers(IReadOnlyList<PreparedRow> batchCustomers, long ts)
        {
            foreach (var customer in batchCustomers) sender.Send(_options.CustomerTopic, customer.Id, customer.Message(ts));
            var bureauRows = 0;
            foreach (var customer in batchCustomers)
            foreach (var row in _input.BureauRowsOf(customer.Id))
            {
                sender.Send(_options.BureauTopic, customer.Id, row.Message(ts));
                bureauRows++;
            }
            customerMessages += batchCustomers.Count;
            bureauMessages += bureauRows;
            return bureauRows;
        }

        try
        {
            while (!reachedEnd && (_options.MaxBatches is not { } limit || batches < limit))
            {
                var number = batches;
                if (!_options.Replay) await KafkaSender.WaitUntilDue(number, _options.Interval, clock, _logger, cancel);
                cancel.ThrowIfCancellationRequested();
                var ts = _options.Replay
                    ? replayStart + (long)Math.Floor(number * _options.Interval.TotalSeconds)
                    : DateTimeOffset.UtcNow.ToUnixTimeSeconds();

                var size = random.Next(_options.MinCustomers, _options.MaxCustomers + 1);
                size = _options.StopAtEnd ? Math.Min(size, customers.Count - cursor) : Math.Min(size, customers.Count);
                var rows = new PreparedRow[size];
                var batchPass = pass;
                for (var i = 0; i < size; i++)
                {
                    rows[i] = customers[cursor];
                    if (++cursor < customers.Count) continue;
                    cursor = 0;
                    pass++;
                    reachedEnd = _options.StopAtEnd;
                }
                var last = reachedEnd || batches + 1 == _options.MaxBatches;
                var (onTime, due) = holdBack.Split(rows, ts, last);
                var bureauRows = SendCustomers(onTime, ts);
                var lateBureauRows = SendCustomers(due.Units, due.Ts);
                batches++;

                var undelivered = _options.Replay ? 0 : sender.WaitForAcknowledgement(_options.Interval, number, cancel);
                var batch = new ProducedBatch(number, ts, Ids(onTime), bureauRows, batchPass)
                {
                    HeldBackIds = Ids(holdBack.Pending.Units),
                    Late = due.Units.Count > 0 ? new LateDelivery(due.Ts, Ids(due.Units), lateBureauRows) : null,
                };
                LogBatch(batch, clock, ref lastReport, customerMessages + bureauMessages, undelivered);
                BatchProduced?.Invoke(batch);
                if (pass > batchPass && !reachedEnd)
                    _logger.LogInformation("reached the end of {File} in batch {Batch}; starting again from the top (pass {Pass})",
                        _input.CustomerFile, number, pass + 1);
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            _logger.LogInformation("stopping: no new batches; flushing what was sent");
        }
        // Stopped before the batch that would have carried them: the held-back customers go out now, late, rather than never.
        var unsentLate = holdBack.TakePending();
        if (unsentLate.Units.Count > 0)
        {
            SendCustomers(unsentLate.Units, unsentLate.Ts);
            _logger.LogInformation("sent the {Count} customer(s) held back from the last batch (ts={Ts})", unsentLate.Units.Count, unsentLate.Ts);
        }

        sender.FinalFlush();
        var summary = new ProducerRunSummary(batches, customerMessages, bureauMessages, sender.Bytes, sender.DeliveryFailures,
            reachedEnd, clock.Elapsed);
        _logger.LogInformation(
            "sent {Batches} batches: {Customers} customer and {Bureau} bureau messages ({Megabytes:F1} MB) in {Seconds:F1} s; {Failures} delivery failure(s)",
            summary.Batches, summary.CustomerMessages, summary.BureauMessages, summary.Bytes / 1e6, summary.Elapsed.TotalSeconds, summary.DeliveryFailures);
        return summary;
    }

    private static string[] Ids(IReadOnlyList<PreparedRow> rows) => rows.Select(row => row.Id).ToArray();

    private void LogBatch(ProducedBatch batch, Stopwatch clock, ref TimeSpan lastReport, long messages, long undelivered)
    {
        if (!_options.Replay)
        {
            if (undelivered > 0)
                _logger.LogError("batch {Batch}: NOT delivered: Kafka did not take {Undelivered} of its messages; {Customers} customers, {BureauRows} bureau rows, ts={Ts}",
                    batch.Number, undelivered, batch.CustomerIds.Count, batch.BureauRows, batch.Ts);
            else if (_options.Late.IsNone)
                _logger.LogInformation("batch {Batch}: {Customers} customers, {BureauRows} bureau rows, ts={Ts} ({Time:yyyy-MM-dd HH:mm:ss}Z)",
                    batch.Number, batch.CustomerIds.Count, batch.BureauRows, batch.Ts, batch.Timestamp.UtcDateTime);
            else
                _logger.LogInformation(
                    "batch {Batch}: {Customers} customers, {BureauRows} bureau rows, ts={Ts} ({Time:yyyy-MM-dd HH:mm:ss}Z); {HeldBack} held back; {Late} late customers ({LateBureau} bureau rows) from ts={LateTs}",
                    batch.Number, batch.CustomerIds.Count, batch.BureauRows, batch.Ts, batch.Timestamp.UtcDateTime, batch.HeldBackIds.Count,
                    batch.Late?.CustomerIds.Count ?? 0, batch.Late?.BureauRows ?? 0, batch.Late?.Ts.ToString() ?? "-");
            return;
        }
        _logger.LogDebug("batch {Batch}: {Customers} customers, {BureauRows} bureau rows, ts={Ts}",
            batch.Number, batch.CustomerIds.Count, batch.BureauRows, batch.Ts);
        // Replay sends thousands of batches a second: one progress line a second instead of one per batch.
        if (clock.Elapsed - lastReport < TimeSpan.FromSeconds(1)) return;
        lastReport = clock.Elapsed;
        _logger.LogInformation("replay: batch {Batch}, ts={Ts}, {Messages} messages so far ({Rate:F0} msg/s)",
            batch.Number, batch.Ts, messages, messages / clock.Elapsed.TotalSeconds);
    }
}
