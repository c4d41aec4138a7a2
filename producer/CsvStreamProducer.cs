using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TopUpSpark.Core.Kafka;

namespace TopUpSpark.Producer;

/// <summary>
/// <c>topup-producer stream</c>: replays any CSV into one topic, as the "X records from each machine every
/// 5 s" producers of the related course projects do. Every interval, for each value of the group-by column
/// (in order of first appearance), a fresh random number of that value's next rows in file order, wrapping
/// at its end; without a group-by column, the next rows of the whole file. Every message is the row's JSON
/// (every value a string, <c>InputMessageCodec</c>) plus the batch's <c>ts</c>; <c>--late</c> holds rows back
/// one batch as the main producer does.
/// </summary>
public sealed class CsvStreamProducer
{
    private readonly CsvStreamOptions _options;
    private readonly KafkaSettings _kafka;
    private readonly ILogger _logger;
    private readonly CsvMessageFile _file;
    private readonly List<(string? Group, int[] Rows)> _groups;

    public CsvStreamProducer(CsvStreamOptions options, KafkaSettings kafka, ILogger? logger = null)
    {
        options.Validate();
        _options = options;
        _kafka = kafka;
        _logger = logger ?? NullLogger.Instance;
        _file = CsvMessageFile.Read(options.File, "stream", options.KeyColumn, options.GroupByColumn, CheckHeader,
            new PreparedRow.MessageShape(options.EventTimeField), _logger);
        if (_file.Rows.Count == 0) throw new InputDataException($"{options.File} has no row that can be sent");
        _groups = _file.Groups is { } groups
            ? Enumerable.Range(0, groups.Count).GroupBy(i => groups[i], StringComparer.Ordinal).Select(g => ((string?)g.Key, g.ToArray())).ToList()
            : [(null, Enumerable.Range(0, _file.Rows.Count).ToArray())];
        _logger.LogInformation("loaded {Rows} rows from {File}{Groups}; {Rejected} row(s) skipped", _file.Rows.Count, _file.Path,
            options.GroupByColumn is null ? "" : $" in {_groups.Count} values of {options.GroupByColumn}", _file.Rejected.Count);
    }

    /// <summary>Raised on the producing thread after Kafka answered for every message of the batch.</summary>
    public event Action<StreamBatch>? BatchProduced;

    /// <summary>Rows of the file that can be sent, in file order.</summary>
    public IReadOnlyList<PreparedRow> Rows => _file.Rows;

    /// <summary>Sends until the batch limit or cancellation; then flushes.</summary>
    public Task<StreamRunSummary> RunAsync(CancellationToken cancel = default) => Task.Run(() => RunCoreAsync(cancel), CancellationToken.None);

    private async Task<StreamRunSummary> RunCoreAsync(CancellationToken cancel)
    {
        using var sender = new KafkaSender(_kafka, _options.ClientId, fastReplay: false, _logger);
        var random = _options.Seed is { } seed ? new Random(seed) : new Random();
        var holdBack = new LateHoldBack<StreamRow>(_options.Late, _options.LateSeed);
        var cursors = new int[_groups.Count];
        var clock = Stopwatch.StartNew();
        long batches = 0, messages = 0;

        void SendRows(IReadOnlyList<StreamRow> rows, long ts)
        {
            foreach (var row in rows) sender.Send(_options.Topic, row.Key, _file.Rows[row.Index].Message(ts));
            messages += rows.Count;
        }

        try
        {
            while (_options.MaxBatches is not { } limit || batches < limit)
            {
                var number = batches;
                await KafkaSender.WaitUntilDue(number, _options.Interval, clock, _logger, cancel);
                cancel.ThrowIfCancellationRequested();
                var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                var batch = new List<StreamRow>();
                for (var g = 0; g < _groups.Count; g++)
                {
                    var (group, rows) = _groups[g];
                    for (var n = _options.Count.Draw(random); n > 0; n--)
                    {
                        batch.Add(new StreamRow(_file.Rows[rows[cursors[g]]].Id, group, rows[cursors[g]]));
                        cursors[g] = (cursors[g] + 1) % rows.Length;
                    }
                }
                var (onTime, due) = holdBack.Split(batch, ts, last: batches + 1 == _options.MaxBatches);
                SendRows(onTime, ts);
                SendRows(due.Units, due.Ts);
                batches++;
                var undelivered = sender.WaitForAcknowledgement(_options.Interval, number, cancel);
                if (undelivered > 0)
                    _logger.LogError("batch {Batch}: NOT delivered: Kafka did not take {Undelivered} of its messages to {Topic}, ts={Ts}",
                        number, undelivered, _options.Topic, ts);
                else
                    _logger.LogInformation("batch {Batch}: {Rows} rows to {Topic}, ts={Ts}; {HeldBack} held back; {Late} late rows from ts={LateTs}",
                        number, onTime.Count, _options.Topic, ts, holdBack.Pending.Units.Count, due.Units.Count, due.Units.Count > 0 ? due.Ts.ToString() : "-");
                BatchProduced?.Invoke(new StreamBatch(number, ts, onTime, holdBack.Pending.Units, due.Ts, due.Units));
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            _logger.LogInformation("stopping: no new batches; flushing what was sent");
        }
        // Stopped before the batch that would have carried them: the held-back rows go out now, late, rather than never.
        var unsentLate = holdBack.TakePending();
        SendRows(unsentLate.Units, unsentLate.Ts);
        sender.FinalFlush();
        _logger.LogInformation("sent {Batches} batches: {Messages} messages to {Topic} ({Megabytes:F1} MB); {Failures} delivery failure(s)",
            batches, messages, _options.Topic, sender.Bytes / 1e6, sender.DeliveryFailures);
        return new StreamRunSummary(batches, messages, sender.Bytes, sender.DeliveryFailures, clock.Elapsed);
    }

    private void CheckHeader(string path, string[] headers)
    {
        var problems = new List<string>();
        if (!headers.Contains(_options.KeyColumn, StringComparer.Ordinal)) problems.Add($"no key column '{_options.KeyColumn}'");
        if (_options.GroupByColumn is { } group && !headers.Contains(group, StringComparer.Ordinal)) problems.Add($"no group-by column '{group}'");
        if (headers.Contains(_options.EventTimeField, StringComparer.Ordinal))
            problems.Add($"a column '{_options.EventTimeField}', the field the producer adds to every message");
        if (headers.Distinct(StringComparer.Ordinal).Count() != headers.Length) problems.Add("repeated column names");
        if (problems.Count > 0)
            throw new InputDataException($"{path}: the header has {string.Join(", ", problems)}; its columns are {string.Join(", ", headers.Select(h => $"'{h}'"))}");
    }
}
