namespace TopUpSpark.Streaming.State;

/// <summary>
/// A key-value store that remembers which keys changed since it was last written, so that a checkpoint
/// stores either every entry (a snapshot) or only those keys — with their current value, or as removed
/// (a delta), the way Spark's HDFS-backed state store keeps deltas and periodic snapshots. The stores of
/// the engine's operators are built on it; they add their own indexes and rebuild them after a restore.
/// </summary>
public sealed class KeyedStateStore<TKey, TValue>(
    Action<BinaryWriter, TKey> writeKey,
    Func<BinaryReader, TKey> readKey,
    Action<BinaryWriter, TValue> writeValue,
    Func<BinaryReader, TValue> readValue,
    IEqualityComparer<TKey>? comparer = null)
    where TKey : notnull
{
    private readonly Dictionary<TKey, TValue> _entries = new(comparer);
    private readonly HashSet<TKey> _changed = new(comparer);

    public int Count => _entries.Count;

    public IEnumerable<KeyValuePair<TKey, TValue>> Entries => _entries;

    public bool TryGetValue(TKey key, out TValue value) => _entries.TryGetValue(key, out value!);

    public void Put(TKey key, TValue value)
    {
        _entries[key] = value;
        _changed.Add(key);
    }

    /// <summary>The value of <paramref name="key"/> was changed in place: it goes into the next delta.</summary>
    public void Touched(TKey key) => _changed.Add(key);

    public bool Remove(TKey key, out TValue value)
    {
        if (!_entries.Remove(key, out value!)) return false;
        _changed.Add(key);
        return true;
    }

    public void WriteSnapshot(BinaryWriter writer)
    {
        writer.Write(_entries.Count);
        foreach (var (key, value) in _entries)
        {
            writeKey(writer, key);
            writeValue(writer, value);
        }
        _changed.Clear();
    }

    public void WriteDelta(BinaryWriter writer)
    {
        writer.Write(_changed.Count);
        foreach (var key in _changed)
        {
            writeKey(writer, key);
            var present = _entries.TryGetValue(key, out var value);
            writer.Write(present);
            if (present) writeValue(writer, value!);
        }
        _changed.Clear();
    }

    public void Restore(BinaryReader? snapshot, IEnumerable<BinaryReader> deltas)
    {
        _entries.Clear();
        _changed.Clear();
        if (snapshot is not null)
        {
            var count = snapshot.ReadInt32();
            _entries.EnsureCapacity(count);
            for (var i = 0; i < count; i++) _entries[readKey(snapshot)] = readValue(snapshot);
        }
        foreach (var delta in deltas)
        {
            var count = delta.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                var key = readKey(delta);
                if (delta.ReadBoolean()) _entries[key] = readValue(delta);
                else _entries.Remove(key);
            }
        }
    }
}
