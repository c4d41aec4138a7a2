using TopUpSpark.Streaming.Progress;

namespace TopUpSpark.Streaming.Execution;

/// <summary>Running totals over a query's batches, for the summary printed when it stops.</summary>
public sealed class QueryTotals
{
    private readonly Dictionary<string, long> _sinkRows = new(StringComparer.Ordinal);
    private readonly List<long> _batchMillis = [];

    public long Batches { get; private set; }
    public long InputRows { get; private set; }
    public long LateRowsDropped { get; private set; }
    public long DeadLetters { get; private set; }
    public long InvalidValues { get; private set; }
    public long LostRecords { get; private set; }
    public IReadOnlyDictionary<string, long> SinkRows => _sinkRows;
    public IReadOnlyList<long> BatchMillis => _batchMillis;

    public void Add(QueryProgress progress, IEnumerable<(string Sink, long Rows)> sinkRows)
    {
        Batches++;
        InputRows += progress.NumInputRows;
        LateRowsDropped += progress.LateRowsDropped;
        DeadLetters += progress.DeadLetters;
        InvalidValues += progress.InvalidValues;
        LostRecords = progress.LostRecords;
        _batchMillis.Add(progress.DurationMs["triggerExecution"]);
        foreach (var (sink, rows) in sinkRows) _sinkRows[sink] = _sinkRows.GetValueOrDefault(sink) + rows;
    }

    public override string ToString() =>
        FormattableString.Invariant($"{Batches:N0} batches, {InputRows:N0} input rows, {LateRowsDropped:N0} late rows dropped, {DeadLetters:N0} dead letters, {InvalidValues:N0} invalid values") +
        string.Concat(_sinkRows.Select(s => FormattableString.Invariant($"; {s.Key}: {s.Value:N0} rows")));
}
