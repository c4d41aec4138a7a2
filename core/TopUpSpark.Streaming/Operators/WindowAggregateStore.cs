using TopUpSpark.Streaming.Rows;
using TopUpSpark.Streaming.State;

namespace TopUpSpark.Streaming.Operators;

/// <summary>
/// A task's state of <see cref="WindowAggregate"/>: one buffer of running sums and distinct sets per
/// (window start, key), indexed by window start so the windows a watermark closes are found first.
/// Emitted windows leave the store; a checkpoint delta holds the buffers updated and removed since the last.
/// </summary>
internal sealed class WindowAggregateStore : IStateStore
{
    private readonly KeyedStateStore<(long Start, string Key), WindowBuffer> _buffers;
    private readonly SortedDictionary<long, List<string>> _keysByStart = new();
    private readonly int _functions;

    /// <param name="inputKinds">The kind of each computed aggregate's input column, which its distinct values are stored as.</param>
    public WindowAggregateStore(ColumnKind[] inputKinds)
    {
        _functions = inputKinds.Length;
        _buffers = new KeyedStateStore<(long Start, string Key), WindowBuffer>(
            (writer, key) =>
            {
                writer.Write(key.Start);
                writer.Write(key.Key);
            },
            reader => (reader.ReadInt64(), reader.ReadString()),
            (writer, buffer) => buffer.Save(writer, inputKinds),
            reader => WindowBuffer.Restore(reader, inputKinds),
            WindowKeyComparer.Instance);
    }

    public long Rows => _buffers.Count;

    /// <summary>The buffer of <paramref name="key"/> in the window starting at <paramref name="start"/>, created when new; it goes into the next delta.</summary>
    public WindowBuffer Update(long start, string key)
    {
        if (_buffers.TryGetValue((start, key), out var buffer))
        {
            _buffers.Touched((start, key));
            return buffer;
        }
        buffer = new WindowBuffer(_functions);
        _buffers.Put((start, key), buffer);
        Index(start, key);
        return buffer;
    }

    /// <summary>The start of the earliest window held, if any.</summary>
    public long? FirstStart => _keysByStart.Count > 0 ? _keysByStart.Keys.First() : null;

    /// <summary>Takes the earliest window out of the store: its keys in ordinal order with their buffers.</summary>
    public (long Start, List<(string Key, WindowBuffer Buffer)> Keys) RemoveFirstWindow()
    {
        var (start, keys) = _keysByStart.First();
        _keysByStart.Remove(start);
        keys.Sort(StringComparer.Ordinal);
        var removed = new List<(string, WindowBuffer)>(keys.Count);
        foreach (var key in keys)
        {
            _buffers.Remove((start, key), out var buffer);
            removed.Add((key, buffer));
        }
        return (start, removed);
    }

    public void WriteSnapshot(BinaryWriter writer) => _buffers.WriteSnapshot(writer);

    public void WriteDelta(BinaryWriter writer) => _buffers.WriteDelta(writer);

    public void Restore(BinaryReader? snapshot, IEnumerable<BinaryReader> deltas)
    {
        _buffers.Restore(snapshot, deltas);
        _keysByStart.Clear();
        foreach (var ((start, key), _) in _buffers.Entries) Index(start, key);
    }

    private void Index(long start, string key)
    {
        if (!_keysByStart.TryGetValue(start, out var keys)) _keysByStart[start] = keys = [];
        keys.Add(key);
    }

    private sealed class WindowKeyComparer : IEqualityComparer<(long Start, string Key)>
    {
        public static readonly WindowKeyComparer Instance = new();

        public bool Equals((long Start, string Key) x, (long Start, string Key) y) => x.Start == y.Start && string.Equals(x.Key, y.Key, StringComparison.Ordinal);

        public int GetHashCode((long Start, string Key) key) => HashCode.Combine(key.Start, StringComparer.Ordinal.GetHashCode(key.Key));
    }
}

/// <summary>Running sums and distinct sets of one key in one window, for the aggregates the query computes.</summary>
internal sealed class WindowBuffer
{
    private readonly double[] _sums;
    private readonly bool[] _hasSum;
    private readonly HashSet<object>?[] _distinct;

    public WindowBuffer(int functions)
    {
        _sums = new double[functions];
        _hasSum = new bool[functions];
        _distinct = new HashSet<object>?[functions];
    }

    /// <summary>Folds one input row in: aggregate <c>i</c> reads column <c>inputOrdinals[i]</c>, a sum when <c>isSum[i]</c>, else a distinct count.</summary>
    public void Add(object?[] row, int[] inputOrdinals, bool[] isSum)
    {
        for (var i = 0; i < inputOrdinals.Length; i++)
        {
            var value = row[inputOrdinals[i]];
            if (value is null) continue;
            if (isSum[i])
            {
                _sums[i] += value is double d ? d : (long)value;
                _hasSum[i] = true;
            }
            else
            {
                (_distinct[i] ??= new HashSet<object>(DistinctValueComparer.Instance)).Add(value);
            }
        }
    }

    /// <summary>Writes aggregate <c>i</c>'s result into column <c>offset + outputPositions[i]</c> of <paramref name="row"/>.</summary>
    public void WriteResults(object?[] row, int offset, int[] outputPositions, bool[] isSum)
    {
        for (var i = 0; i < outputPositions.Length; i++)
        {
            row[offset + outputPositions[i]] = isSum[i]
                ? _hasSum[i] ? _sums[i] : null
                : (long)(_distinct[i]?.Count ?? 0);
        }
    }

    public void Save(BinaryWriter writer, ColumnKind[] kinds)
    {
        for (var i = 0; i < _sums.Length; i++)
        {
            writer.Write(_hasSum[i]);
            writer.Write(_sums[i]);
            var set = _distinct[i];
            writer.Write(set?.Count ?? -1);
            if (set is null) continue;
            foreach (var value in set) RowCodec.WriteValue(writer, value, kinds[i]);
        }
    }

    public static WindowBuffer Restore(BinaryReader reader, ColumnKind[] kinds)
    {
        var buffer = new WindowBuffer(kinds.Length);
        for (var i = 0; i < kinds.Length; i++)
        {
            buffer._hasSum[i] = reader.ReadBoolean();
            buffer._sums[i] = reader.ReadDouble();
            var count = reader.ReadInt32();
            if (count < 0) continue;
            var set = new HashSet<object>(count, DistinctValueComparer.Instance);
            for (var v = 0; v < count; v++) set.Add(RowCodec.ReadValue(reader, kinds[i])!);
            buffer._distinct[i] = set;
        }
        return buffer;
    }

    /// <summary>Distinct values compare by exact value: strings ordinally, numbers bit for bit, times by instant.</summary>
    private sealed class DistinctValueComparer : IEqualityComparer<object>
    {
        public static readonly DistinctValueComparer Instance = new();

        public new bool Equals(object? x, object? y) => (x, y) switch
        {
            (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
            (DateTimeOffset a, DateTimeOffset b) => a.UtcTicks == b.UtcTicks,
            _ => object.Equals(x, y),
        };

        public int GetHashCode(object value) => value switch
        {
            string s => StringComparer.Ordinal.GetHashCode(s),
            DateTimeOffset t => t.UtcTicks.GetHashCode(),
            _ => value.GetHashCode(),
        };
    }
}
