using System.Diagnostics;
using Confluent.Kafka;
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
    /// <summary>How long the last messages get to be acknowledged when the run ends or is stopped.</summary>
    private static readonly TimeSpan FinalFlushTimeout = TimeSpan.FromSeconds(30);

    private readonly TopUpInput _input;
    private readonly KafkaSettings _kafka;
    private readonly ProducerOptions _options;
    private readonly ILogger _logger;
    private readonly Action<DeliveryReport<string, byte[]>> _onDelivery;
    private long _deliveryFailures;

    public TopUpProducer(TopUpInput input, KafkaSettings kafka, ProducerOptions options, ILogger? logger = null)
    {
        options.Validate();
        _input = input;
        _kafka = kafka;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _onDelivery = OnDelivery;
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
        Interlocked.Exchange(ref _deliveryFailures, 0);
        using var producer = BuildProducer();
        var random = _options.Seed is { } seed ? new Random(seed) : new Random();
        var holdBack = new LateHoldBack<PreparedRow>(_options.Late, _options.LateSeed);
        var customers = _input.Customers;
        var replayStart = (_options.ReplayStart ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        long batches = 0, customerMessages = 0, bureauMessages = 0, bytes = 0;
        var cursor = 0;
        var pass = 0;
        var reachedEnd = false;

        void Send(string topic, string key, byte[] value)
        {
            var message = new Message<string, byte[]> { Key = key, Value = value };
            while (true)
            {
                try
                {
                    producer.Produce(topic, message, _onDelivery);
                    bytes += value.Length + key.Length;
                    return;
                }
                catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // The client's queue is full: let its threads drain some of it.
                    Thread.Sleep(1);
                }
                catch (ProduceException<string, byte[]> e)
                {
                    // A message Kafka refuses outright (e.g. larger than message.max.bytes) is counted; the rest goes on.
                    if (Interlocked.Increment(ref _deliveryFailures) <= 10)
                        _logger.LogError("could not send the {Topic} row of ID {Id}: {Reason}", topic, key, e.Error.Reason);
                    return;
                }
            }
        }

        // A customer's row, then all its bureau rows: the unit that is sent on time or held back together.
        int SendCustomers(IReadOnlyList<PreparedRow> batchCustomers, long ts)
        {
            foreach (var customer in batchCustomers) Send(_options.CustomerTopic, customer.Id, customer.Message(ts));
            var bureauRows = 0;
            foreach (var customer in batchCustomers)
            foreach (var row in _input.BureauRowsOf(customer.Id))
            {
                Send(_options.BureauTopic, customer.Id, row.Message(ts));
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
                if (!_options.Replay) await WaitUntilDue(number, clock, cancel);
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

                if (!_options.Replay) WaitForAcknowledgement(producer, number);
                var batch = new ProducedBatch(number, ts, Ids(onTime), bureauRows, batchPass)
                {
                    HeldBackIds = Ids(holdBack.Pending.Units),
                    Late = due.Units.Count > 0 ? new LateDelivery(due.Ts, Ids(due.Units), lateBureauRows) : null,
                };
                LogBatch(batch, clock, ref lastReport, customerMessages + bureauMessages);
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

        var unsent = producer.Flush(FinalFlushTimeout);
        if (unsent > 0)
        {
            Interlocked.Add(ref _deliveryFailures, unsent);
            _logger.LogError("{Unsent} message(s) were still unacknowledged after {Timeout} s and may be lost", unsent, FinalFlushTimeout.TotalSeconds);
        }
        var summary = new ProducerRunSummary(batches, customerMessages, bureauMessages, bytes, Interlocked.Read(ref _deliveryFailures),
            reachedEnd, clock.Elapsed);
        _logger.LogInformation(
            "sent {Batches} batches: {Customers} customer and {Bureau} bureau messages ({Megabytes:F1} MB) in {Seconds:F1} s; {Failures} delivery failure(s)",
            summary.Batches, summary.CustomerMessages, summary.BureauMessages, summary.Bytes / 1e6, summary.Elapsed.TotalSeconds, summary.DeliveryFailures);
        return summary;
    }

    private static string[] Ids(IReadOnlyList<PreparedRow> rows) => rows.Select(row => row.Id).ToArray();

    private void OnDelivery(DeliveryReport<string, byte[]> report)
    {
        if (!report.Error.IsError) return;
        if (Interlocked.Increment(ref _deliveryFailures) <= 10)
            _logger.LogError("Kafka did not accept a message for {Topic}: {Reason}", report.Topic, report.Error.Reason);
    }

    private IProducer<string, byte[]> BuildProducer()
    {
        try
        {
            return new ProducerBuilder<string, byte[]>(ProducerConfig()).Build();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // librdkafka refuses unknown keys and bad values of --kafka settings here.
            throw new KafkaSettingsException($"the Kafka producer settings are not valid: {e.Message}");
        }
    }

    private ProducerConfig ProducerConfig()
    {
        var config = _kafka.Producer(_options.ClientId);
        // Reports are only read for their error; copying keys and values back would cost throughput.
        SetUnlessGiven(config, "dotnet.producer.delivery.report.fields", "none");
        // A consumer keeps each message set it fetched in memory, decompressed, until it has read every
        // message in it. librdkafka's 1 MB sets cost a streaming job reading a few hundred messages per
        // partition per batch about 1 MiB per partition (about 60 MiB of peak RSS over 64 partitions); 64 KiB sets,
        // nearer the Java client's 16 KiB, cost it next to nothing, and the replay about 10 % of its speed.
        SetUnlessGiven(config, "batch.size", "65536");
        if (_options.Replay)
        {
            // Replay favours throughput: bigger, fuller batches and room for a whole pass in the client queue.
            SetUnlessGiven(config, "linger.ms", "50");
            SetUnlessGiven(config, "queue.buffering.max.messages", "1000000");
            SetUnlessGiven(config, "queue.buffering.max.kbytes", "2097152");
        }
        return config;
    }

    private void SetUnlessGiven(ProducerConfig config, string key, string value)
    {
        if (!_kafka.PassThrough.ContainsKey(key)) config.Set(key, value);
    }

    /// <summary>Batch k is due at k·interval after the start, however long earlier batches took.</summary>
    private async Task WaitUntilDue(long number, Stopwatch clock, CancellationToken cancel)
    {
        var due = _options.Interval * number;
        var wait = due - clock.Elapsed;
        if (wait > TimeSpan.Zero)
            await Task.Delay(wait, cancel);
        else if (-wait > _options.Interval)
            _logger.LogWarning("batch {Batch} is {Behind:F1} s behind its schedule (sending or acknowledgement is slower than the interval)",
                number, -wait.TotalSeconds);
    }

    /// <summary>In interval mode a batch is reported once Kafka acknowledged it, waiting at most one interval.</summary>
    private void WaitForAcknowledgement(IProducer<string, byte[]> producer, long number)
    {
        if (producer.Flush(_options.Interval) > 0)
            _logger.LogWarning("batch {Batch} is not fully acknowledged after {Seconds} s; going on", number, _options.Interval.TotalSeconds);
    }

    private void LogBatch(ProducedBatch batch, Stopwatch clock, ref TimeSpan lastReport, long messages)
    {
        if (!_options.Replay)
        {
            if (_options.Late.IsNone)
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
