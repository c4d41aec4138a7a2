using System.Collections.Concurrent;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Sources;
using TopUpSpark.Streaming.State;

namespace TopUpSpark.Streaming.Execution;

/// <summary>Everything an operator sees of the micro-batch it runs in for one task — that task's records and state — and where it reports what it did.</summary>
public sealed class BatchContext
{
    private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<PlanNode, DateTimeOffset> _maxEventTimes = new();
    private readonly ConcurrentQueue<DeadLetter> _deadLetters = new();

    private readonly IReadOnlyDictionary<PlanNode, IStateStore> _stores;

    public BatchContext(long batchId, int task, BatchWatermarks watermarks, int cores,
        IReadOnlyDictionary<IStreamSource, SourceRecords> sourceRecords, IReadOnlyDictionary<PlanNode, IStateStore> stores)
    {
        BatchId = batchId;
        Task = task;
        Watermarks = watermarks;
        Cores = cores;
        SourceRecords = sourceRecords;
        _stores = stores;
    }

    /// <summary>The store of a stateful operator for the task this batch runs for.</summary>
    public TStore StateOf<TStore>(PlanNode statefulOperator) where TStore : IStateStore => (TStore)_stores[statefulOperator];

    public long BatchId { get; }

    /// <summary>The task this context runs the batch for: one partition number of every input.</summary>
    public int Task { get; }
    public BatchWatermarks Watermarks { get; }

    /// <summary>How many threads an operator may use at once (<c>local[N]</c>).</summary>
    public int Cores { get; }

    /// <summary>What each source read for this batch; valid until the batch ends.</summary>
    public IReadOnlyDictionary<IStreamSource, SourceRecords> SourceRecords { get; }

    public SourceRecords RecordsOf(IStreamSource source) => SourceRecords.TryGetValue(source, out var records) ? records : NoRecords;

    private static readonly SourceRecords NoRecords = new();

    public ParallelOptions Parallelism => new() { MaxDegreeOfParallelism = Cores };

    private readonly ConcurrentDictionary<PlanNode, long> _lateRows = new();
    private long _invalidValues;

    /// <summary>A stateful operator dropped rows as late; <paramref name="metric"/> names them in the progress's metrics.</summary>
    public void DropLateRows(PlanNode statefulOperator, string metric, long rows)
    {
        if (rows == 0) return;
        _lateRows.AddOrUpdate(statefulOperator, rows, (_, v) => v + rows);
        Count(metric, rows);
    }

    /// <summary>Late rows dropped in this batch, per stateful operator.</summary>
    public IReadOnlyDictionary<PlanNode, long> LateRowsDropped => _lateRows;

    /// <summary>Cells that did not parse and became null; <paramref name="metric"/> names them in the progress's metrics.</summary>
    public void CountInvalidValues(string metric, long cells)
    {
        if (cells == 0) return;
        Interlocked.Add(ref _invalidValues, cells);
        Count(metric, cells);
    }

    public long InvalidValues => Interlocked.Read(ref _invalidValues);

    /// <summary>Adds to a named metric of this batch (e.g. <c>operatorMs.join</c>).</summary>
    public void Count(string metric, long amount = 1)
    {
        if (amount != 0) _counters.AddOrUpdate(metric, amount, (_, v) => v + amount);
    }

    public IReadOnlyDictionary<string, long> Counters => _counters;

    /// <summary>An event-time watermark node reports the largest event time it saw in this batch.</summary>
    public void ObserveMaxEventTime(PlanNode watermarkNode, DateTimeOffset maxEventTime) =>
        _maxEventTimes.AddOrUpdate(watermarkNode, maxEventTime, (_, v) => v > maxEventTime ? v : maxEventTime);

    public IReadOnlyDictionary<PlanNode, DateTimeOffset> MaxEventTimes => _maxEventTimes;

    public void DeadLetter(DeadLetter letter) => _deadLetters.Enqueue(letter);

    public IReadOnlyCollection<DeadLetter> DeadLetters => _deadLetters;
}
