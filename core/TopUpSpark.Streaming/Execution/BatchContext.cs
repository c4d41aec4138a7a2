using System.Collections.Concurrent;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Sources;

namespace TopUpSpark.Streaming.Execution;

/// <summary>Everything an operator sees of the micro-batch it runs in, and where it reports what it did.</summary>
public sealed class BatchContext
{
    private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<PlanNode, DateTimeOffset> _maxEventTimes = new();
    private readonly ConcurrentQueue<DeadLetter> _deadLetters = new();

    public BatchContext(long batchId, BatchWatermarks watermarks, int cores,
        IReadOnlyDictionary<IStreamSource, SourceRecords> sourceRecords)
    {
        BatchId = batchId;
        Watermarks = watermarks;
        Cores = cores;
        SourceRecords = sourceRecords;
    }

    public long BatchId { get; }
    public BatchWatermarks Watermarks { get; }

    /// <summary>How many threads an operator may use at once (<c>local[N]</c>).</summary>
    public int Cores { get; }

    /// <summary>What each source read for this batch; valid until the batch ends.</summary>
    public IReadOnlyDictionary<IStreamSource, SourceRecords> SourceRecords { get; }

    public SourceRecords RecordsOf(IStreamSource source) => SourceRecords.TryGetValue(source, out var records) ? records : NoRecords;

    private static readonly SourceRecords NoRecords = new();

    public ParallelOptions Parallelism => new() { MaxDegreeOfParallelism = Cores };

    /// <summary>Adds to a named metric of this batch (e.g. <c>bureau.lateRowsDropped</c>).</summary>
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
