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
    // A sum's marker once a value was added: a sum of nothing but nulls is null.
    private static readonly object HasSum = new();

    private readonly double[] _sums;
    // Per aggregate: a sum's marker, or a distinct count's values: none, the one value itself, or a set from the
    // second on. A key has one value in most windows, and a set costs some 180 bytes in every buffer that had one.
    private readonly object?[] _seen;

    public WindowBuffer(int functions)
    {
        _sums = new double[functions];
        _seen = new object?[functions];
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
                _seen[i] = HasSum;
            }
            else
            {
                AddDistinct(i, value);
            }
        }
    }

    private void AddDistinct(int i, object value)
    {
        switch (_seen[i])
        {
            case null:
                _seen[i] = value;
                break;
            case HashSet<object> set:
                set.Add(value);
                break;
            case var one when !DistinctValueComparer.Instance.Equals(one, value):
                _seen[i] = new HashSet<object>(DistinctValueComparer.Instance) { one, value };
                break;
        }
    }

    private int DistinctCount(int i) => _seen[i] switch
    {
        null => 0,
        HashSet<object> set => set.Count,
        _ => 1,
    };

    private IEnumerable<object> DistinctValues(int i) => _seen[i] switch
    {
        null => [],
        HashSet<object> set => set,
        var one => [one],
    };

    /// <summary>Writes aggregate <c>i</c>'s result into column <c>offset + outputPositions[i]</c> of <paramref name="row"/>.</summary>
    public void WriteResults(object?[] row, int offset, int[] outputPositions, bool[] isSum)
    {
        for (var i = 0; i < outputPositions.Length; i++)
        {
            row[offset + outputPositions[i]] = isSum[i]
                ? ReferenceEquals(_seen[i], HasSum) ? _sums[i] : null
                : (long)DistinctCount(i);
        }
    }

    /// <summary>Per aggregate: whether it has a sum, the sum, and the distinct values (−1 for a sum).</summary>
    public void Save(BinaryWriter writer, ColumnKind[] kinds)
    {
        for (var i = 0; i < _sums.Length; i++)
        {
            var isSum = ReferenceEquals(_seen[i], HasSum);
            writer.Write(isSum);
            writer.Write(_sums[i]);
            if (isSum || _seen[i] is null)
            {
                writer.Write(-1);
                continue;
            }
            writer.Write(DistinctCount(i));
            foreach (var value in DistinctValues(i)) RowCodec.WriteValue(writer, value, kinds[i]);
        }
    }

    public static WindowBuffer Restore(BinaryReader reader, ColumnKind[] kinds)
    {
        var buffer = new WindowBuffer(kinds.Length);
        for (var i = 0; i < kinds.Length; i++)
        {
            if (reader.ReadBoolean()) buffer._seen[i] = HasSum;
            buffer._sums[i] = reader.ReadDouble();
            var count = reader.ReadInt32();
            for (var v = 0; v < count; v++) buffer.AddDistinct(i, RowCodec.ReadValue(reader, kinds[i])!);
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
