using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Streaming.Operators;

/// <summary>
/// The rows one side of a stream-stream join keeps, by join key. Each row has an expiry (the ticks from
/// which the watermark evicts it), indexed so that eviction and "is anything evictable?" look only at
/// what expires, not at the whole state. The keys changed since the last save are tracked, so a
/// checkpoint can store just those (a delta, as Spark's state store does).
/// </summary>
internal sealed class JoinSideState(RowSchema schema, int keyOrdinal, Func<object?[], long> expiryTicks)
{
    private readonly Dictionary<string, List<object?[]>> _rows = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, long> _byExpiry = new();
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);

    public long Count { get; private set; }

    public IReadOnlyList<object?[]> RowsOf(string key) => _rows.TryGetValue(key, out var rows) ? rows : [];

    public void Add(object?[] row)
    {
        var key = (string)row[keyOrdinal]!;
        if (!_rows.TryGetValue(key, out var rows)) _rows[key] = rows = [];
        rows.Add(row);
        _byExpiry.Enqueue(key, expiryTicks(row));
        _changed.Add(key);
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
            var removed = rows.RemoveAll(r => expiryTicks(r) < watermarkTicks);
            if (removed == 0) continue;
            evicted += removed;
            Count -= removed;
            _changed.Add(key);
            if (rows.Count == 0) _rows.Remove(key);
        }
        return evicted;
    }

    public void Save(BinaryWriter writer)
    {
        RowCodec.Write(writer, _rows.Values.SelectMany(r => r).ToList(), schema);
        _changed.Clear();
    }

    /// <summary>The rows now held under every key changed since the last save (none: the key is gone).</summary>
    public void SaveChanges(BinaryWriter writer)
    {
        writer.Write(_changed.Count);
        foreach (var key in _changed)
        {
            writer.Write(key);
            RowCodec.Write(writer, RowsOf(key), schema);
        }
        _changed.Clear();
    }

    public void Restore(BinaryReader? reader)
    {
        _rows.Clear();
        _byExpiry.Clear();
        _changed.Clear();
        Count = 0;
        if (reader is null) return;
        foreach (var row in RowCodec.Read(reader, schema)) Add(row);
        _changed.Clear();
    }

    public void ApplyChanges(BinaryReader reader)
    {
        var keys = reader.ReadInt32();
        for (var k = 0; k < keys; k++)
        {
            var key = reader.ReadString();
            if (_rows.Remove(key, out var old)) Count -= old.Count;
            foreach (var row in RowCodec.Read(reader, schema)) Add(row);
        }
        _changed.Clear();
    }
}
