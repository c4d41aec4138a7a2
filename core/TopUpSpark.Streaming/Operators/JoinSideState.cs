using TopUpSpark.Streaming.Rows;
using TopUpSpark.Streaming.State;

namespace TopUpSpark.Streaming.Operators;

/// <summary>
/// The rows one side of a stream-stream join keeps, by join key. Each row has an expiry (the ticks from
/// which the watermark evicts it), indexed so that eviction and "is anything evictable?" look only at
/// what expires, not at the whole state. A checkpoint delta holds the keys changed since the last write.
/// A key's rows are an array of just their number: nearly every key has one row (a customer waits for its
/// bureau windows alone), where a list would add an object and three empty slots to each of the ~100,000
/// a full replay holds at its peak.
/// </summary>
internal sealed class JoinSideState
{
    private readonly KeyedStateStore<string, object?[][]> _rows;
    private readonly PriorityQueue<string, long> _byExpiry = new();
    private readonly Func<object?[], long> _expiryTicks;
    private readonly int _keyOrdinal;

    public JoinSideState(RowSchema schema, int keyOrdinal, Func<object?[], long> expiryTicks)
    {
        _keyOrdinal = keyOrdinal;
        _expiryTicks = expiryTicks;
        _rows = new KeyedStateStore<string, object?[][]>(
            (writer, key) => writer.Write(key), reader => reader.ReadString(),
            (writer, rows) => RowCodec.Write(writer, rows, schema), reader => RowCodec.Read(reader, schema).ToArray(),
            StringComparer.Ordinal);
    }

    public long Count { get; private set; }

    public IReadOnlyList<object?[]> RowsOf(string key) => _rows.TryGetValue(key, out var rows) ? rows : [];

    public void Add(object?[] row)
    {
        var key = (string)row[_keyOrdinal]!;
        _rows.Put(key, _rows.TryGetValue(key, out var rows) ? [.. rows, row] : [row]);
        _byExpiry.Enqueue(key, _expiryTicks(row));
        Count++;
    }

    /// <summary>True when some row expires before <paramref name="watermarkTicks"/>.</summary>
    public bool HasExpiredAt(long watermarkTicks) => _byExpiry.TryPeek(out _, out var expiry) && expiry < watermarkTicks;

    /// <summary>Drops every row that expires before <paramref name="watermarkTicks"/>; returns how many.</summary>
    public long Evict(long watermarkTicks)
    {
        long evicted = 0;
        while (_byExpiry.TryPeek(out var key, out var expiry) && expiry < watermarkTicks)
        {
            _byExpiry.Dequeue();
            // A key is queued once per row; its first expiry evicts every row of it that has expired.
            if (!_rows.TryGetValue(key, out var rows)) continue;
            var removed = 0;
            foreach (var row in rows)
                if (_expiryTicks(row) < watermarkTicks) removed++;
            if (removed == 0) continue;
            evicted += removed;
            Count -= removed;
            if (removed == rows.Length) _rows.Remove(key, out _);
            else _rows.Put(key, Array.FindAll(rows, r => _expiryTicks(r) >= watermarkTicks));
        }
        return evicted;
    }

    public void WriteSnapshot(BinaryWriter writer) => _rows.WriteSnapshot(writer);

    public void WriteDelta(BinaryWriter writer) => _rows.WriteDelta(writer);

    public void Restore(BinaryReader? snapshot, IEnumerable<BinaryReader> deltas)
    {
        _rows.Restore(snapshot, deltas);
        _byExpiry.Clear();
        Count = 0;
        foreach (var (key, rows) in _rows.Entries)
        {
            foreach (var row in rows) _byExpiry.Enqueue(key, _expiryTicks(row));
            Count += rows.Length;
        }
    }
}
