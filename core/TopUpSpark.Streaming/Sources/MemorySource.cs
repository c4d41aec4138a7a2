using System.Collections.Immutable;
using System.Text;

namespace TopUpSpark.Streaming.Sources;

/// <summary>
/// A single-partition in-memory source for tests: each <see cref="AddBatch"/> appends records, and the
/// next trigger sees them — the explicit-batches source of Spark's MemoryStream.
/// </summary>
public sealed class MemorySource(string name) : IStreamSource
{
    private readonly List<SourceRecord> _records = [];
    private readonly Lock _gate = new();

    public string Description => $"MemoryStream[{name}]";
    public long LostRecords => 0;

    public void AddBatch(IEnumerable<(string? Key, string Json)> messages)
    {
        lock (_gate)
        {
            foreach (var (key, json) in messages)
                _records.Add(new SourceRecord(key, Encoding.UTF8.GetBytes(json), 0, _records.Count, DateTimeOffset.UtcNow));
        }
    }

    public SourceOffsets InitialOffsets() => At(0);

    public SourceOffsets LatestOffsets(SourceOffsets from, long? maxRecords)
    {
        lock (_gate)
        {
            var end = (long)_records.Count;
            if (maxRecords is { } max) end = Math.Min(end, from[0] + max);
            return At(end);
        }
    }

    public IReadOnlyList<SourceRecord> Read(SourceOffsets from, SourceOffsets to, CancellationToken cancel)
    {
        lock (_gate)
        {
            var start = (int)from[0];
            return _records.GetRange(start, (int)to[0] - start);
        }
    }

    private static SourceOffsets At(long offset) => new(ImmutableSortedDictionary<int, long>.Empty.Add(0, offset));

    public void Prepare(SourceOffsets from) { }

    public void Dispose() { }
}
