using Microsoft.Extensions.Logging;
using TopUpSpark.Streaming.Sources;

namespace TopUpSpark.Streaming.Execution;

/// <summary>One source's offset range of a batch.</summary>
internal sealed record SourceRange(string Topic, IStreamSource Source, SourceOffsets From, SourceOffsets To);

/// <summary>
/// Reading a batch's records, and in an available-now run the next batch's while the current one is
/// processed: its offsets follow from this batch's end and the run's fixed end. It only reads: the next
/// batch is still planned, logged and run after this one commits, and uses these records only if it got
/// the same ranges.
/// </summary>
internal sealed class ReadAhead(int cores, ILogger log)
{
    private Task<IReadOnlyList<(SourceRange Range, SourceRecords Records)>>? _pending;

    /// <summary>The records of <paramref name="ranges"/>, each taken from what was read ahead when it matches, else read now, side by side.</summary>
    public SourceRecords[] Take(IReadOnlyList<SourceRange> ranges)
    {
        var ahead = Collect();
        var records = new SourceRecords[ranges.Count];
        Parallel.For(0, ranges.Count, new ParallelOptions { MaxDegreeOfParallelism = cores }, i =>
        {
            var range = ranges[i];
            records[i] = ahead.FirstOrDefault(a => Same(a.Range, range)).Records ?? ReadNow(range);
        });
        foreach (var unused in ahead.Where(a => !records.Contains(a.Records))) unused.Records.Dispose();
        return records;
    }

    private static bool Same(SourceRange a, SourceRange b) => a.Topic == b.Topic && a.From.SamePositionAs(b.From) && a.To.SamePositionAs(b.To);

    private static SourceRecords ReadNow(SourceRange range) =>
        range.From.IsBefore(range.To) ? range.Source.Read(range.From, range.To, CancellationToken.None) : new SourceRecords();

    /// <summary>Starts reading <paramref name="next"/> in the background.</summary>
    public void Start(IReadOnlyList<SourceRange> next)
    {
        var toRead = next.Where(r => r.From.IsBefore(r.To)).ToList();
        if (toRead.Count == 0) return;
        _pending = Task.Run(() =>
        {
            var records = new (SourceRange, SourceRecords)[toRead.Count];
            Parallel.For(0, toRead.Count, new ParallelOptions { MaxDegreeOfParallelism = cores }, i => records[i] = (toRead[i], ReadNow(toRead[i])));
            return (IReadOnlyList<(SourceRange, SourceRecords)>)records;
        });
    }

    /// <summary>What was read ahead, once that read is done; nothing if it failed (the batch then reads, and reports, itself).</summary>
    private IReadOnlyList<(SourceRange Range, SourceRecords Records)> Collect()
    {
        var pending = _pending;
        _pending = null;
        if (pending is null) return [];
        try
        {
            return pending.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            log.LogDebug(e, "reading the next batch ahead failed; the batch reads its records itself");
            return [];
        }
    }

    /// <summary>Drops what was read ahead (the tasks changed, or the query stops).</summary>
    public void Discard()
    {
        foreach (var unused in Collect()) unused.Records.Dispose();
    }
}
