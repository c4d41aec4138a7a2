using System.Collections.Immutable;
using System.Text;

namespace TopUpSpark.Streaming.Sources;

/// <summary>
/// A single-partition in-memory source for tests: each <see cref="AddBatch"/> appends records, and the
/// next trigger sees them — the explicit-batches source of Spark's MemoryStream.
/// </summary>
public sealed class MemorySource(string name) : IStreamSource
{
    private readonly List<(string? Key, byte[] Value, DateTimeOffset Timestamp)> _records = [];
    private readonly Lock _gate = new();

    public string Description => $"MemoryStream[{name}]";
    public long LostRecords => 0;

    public void AddBatch(IEnumerable<(string? Key, string Json)> messages)
    {
        lock (_gate)
        {
            foreach (var (key, json) in messages)
                _records.Add((key, Encoding.UTF8.GetBytes(json), DateTimeOffset.UtcNow));
        }
    }

    public IReadOnlyList<int> Partitions() => [0];

    public SourceOffsets InitialOffsets(IReadOnlyCollection<int> partitions) => At(0);

    public SourceOffsets EndOffsets(IReadOnlyCollection<int> partitions)
    {
        lock (_gate) return At(_records.Count);
    }

    public SourceOffsets LatestOffsets(SourceOffsets from, long? maxRecords, SourceOffsets? upTo = null)
    {
        lock (_gate)
        {
            var end = Math.Max(from[0], Math.Min(_records.Count, upTo?[0] ?? long.MaxValue));
            if (maxRecords is { } max) end = Math.Min(end, from[0] + max);
            return At(end);
        }
    }

    public SourceRecords Read(SourceOffsets from, SourceOffsets to, CancellationToken cancel)
    {
        lock (_gate)
        {
            var records = new SourceRecords();
            for (var offset = (int)from[0]; offset < (int)to[0]; offset++)
            {
                var (key, value, timestamp) = _records[offset];
                records.Add(0, offset, timestamp, key is null ? [] : Encoding.UTF8.GetBytes(key), key is not null, value);
            }
            return records;
        }
    }

    private static SourceOffsets At(long offset) => new(ImmutableSortedDictionary<int, long>.Empty.Add(0, offset));

    public void Prepare(SourceOffsets from) { }

    public void Dispose() { }
}
