using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Streaming.Operators;

/// <summary>
/// <c>groupBy(window(eventTime, size), key).agg(…)</c> in append mode. Tumbling windows
/// <c>[start, start + size)</c> aligned to the Unix epoch. An input row is late — dropped and counted —
/// when its window's end is at or before the late-row watermark (Spark judges a windowed aggregation's
/// input by the window, not the raw timestamp). A window's row is emitted once, in the first batch
/// whose eviction watermark is at or past its end, and its state is then dropped; partial results are
/// never emitted. Output columns: window_start, window_end, the key, then the aggregates.
/// </summary>
public sealed class WindowAggregate : PlanNode, IStatefulOperator
{
    public const string WindowStartColumn = "window_start";
    public const string WindowEndColumn = "window_end";

    private readonly long _sizeTicks;
    private readonly int _timeOrdinal;
    private readonly int _keyOrdinal;
    private readonly IReadOnlyList<AggregateFunction> _functions;
    private readonly int[] _inputOrdinals;
    private readonly ColumnKind[] _inputKinds;
    // The aggregates something downstream reads (column pruning): only these are computed and kept in state.
    private Aggregates _computed;
    private readonly SortedDictionary<long, Dictionary<string, WindowBuffer>> _windowsByStart = new();
    // Since the last save: the (window, key) buffers updated and the windows emitted, for a delta checkpoint.
    private readonly HashSet<(long Start, string Key)> _changed = [];
    private readonly List<long> _emitted = [];
    private long _stateRows;

    public WindowAggregate(PlanNode input, string eventTimeColumn, TimeSpan size, string keyColumn, IReadOnlyList<AggregateFunction> functions)
        : base($"window aggregate {size.TotalSeconds:0}s by {keyColumn}", OutputSchema(keyColumn, functions), input)
    {
        if (size <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(size), "window size must be positive");
        if (input.Schema.KindOf(keyColumn) != ColumnKind.String) throw new ArgumentException($"key column '{keyColumn}' must be a string");
        Size = size;
        KeyColumn = keyColumn;
        _sizeTicks = size.Ticks;
        _timeOrdinal = input.Schema.Ordinal(eventTimeColumn);
        _keyOrdinal = input.Schema.Ordinal(keyColumn);
        _functions = functions;
        _inputOrdinals = functions.Select(f => input.Schema.Ordinal(f.Input)).ToArray();
        _inputKinds = _inputOrdinals.Select(o => input.Schema.Kinds[o]).ToArray();
        for (var i = 0; i < functions.Count; i++)
        {
            if (functions[i].Kind == AggregateKind.Sum && _inputKinds[i] is not (ColumnKind.Double or ColumnKind.Long))
                throw new ArgumentException($"sum({functions[i].Input}) needs a numeric column, not {_inputKinds[i]}");
        }
        _computed = Computing(Enumerable.Range(0, functions.Count));
    }

    /// <summary>The computed aggregates, by position among the functions, with their input column and kind.</summary>
    private sealed record Aggregates(int[] Functions, bool[] IsSum, int[] InputOrdinals, ColumnKind[] InputKinds)
    {
        public int Count => Functions.Length;
    }

    private Aggregates Computing(IEnumerable<int> functions)
    {
        var ordered = functions.Order().ToArray();
        return new Aggregates(ordered, ordered.Select(f => _functions[f].Kind == AggregateKind.Sum).ToArray(),
            ordered.Select(f => _inputOrdinals[f]).ToArray(), ordered.Select(f => _inputKinds[f]).ToArray());
    }

    private const int FirstAggregateColumn = 3;

    public override void ProduceOnly(IReadOnlySet<int> requiredOutputs) =>
        _computed = Computing(requiredOutputs.Where(o => o >= FirstAggregateColumn).Select(o => o - FirstAggregateColumn));

    public override IReadOnlySet<int>[] InputColumnsRead(IReadOnlySet<int> requiredOutputs) =>
        [_computed.InputOrdinals.Append(_timeOrdinal).Append(_keyOrdinal).ToHashSet()];

    public TimeSpan Size { get; }
    public string KeyColumn { get; }

    private static RowSchema OutputSchema(string keyColumn, IReadOnlyList<AggregateFunction> functions) =>
        new(new[] { (WindowStartColumn, ColumnKind.Timestamp), (WindowEndColumn, ColumnKind.Timestamp), (keyColumn, ColumnKind.String) }
            .Concat(functions.Select(f => (f.Output, f.Kind == AggregateKind.Sum ? ColumnKind.Double : ColumnKind.Long))));

    public long StateRows => _stateRows;

    /// <summary>The start of the tumbling window holding <paramref name="eventTime"/> (floor, also before 1970).</summary>
    public long WindowStartTicks(DateTimeOffset eventTime)
    {
        var sinceEpoch = eventTime.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var remainder = ((sinceEpoch % _sizeTicks) + _sizeTicks) % _sizeTicks;
        return eventTime.UtcTicks - remainder;
    }

    public bool HasWorkAt(DateTimeOffset watermark) =>
        _windowsByStart.Count > 0 && _windowsByStart.Keys.First() + _sizeTicks <= watermark.UtcTicks;

    public override IReadOnlyList<object?[]> Execute(BatchContext context, IReadOnlyList<IReadOnlyList<object?[]>> inputRows)
    {
        long late = 0, updated = 0;
        foreach (var row in inputRows[0])
        {
            var eventTime = (DateTimeOffset)row[_timeOrdinal]!;
            var start = WindowStartTicks(eventTime);
            if (context.Watermarks.ForLateRows is { } lateMark && start + _sizeTicks <= lateMark.UtcTicks)
            {
                late++;
                continue;
            }
            if (!_windowsByStart.TryGetValue(start, out var window)) _windowsByStart[start] = window = new Dictionary<string, WindowBuffer>(StringComparer.Ordinal);
            var key = (string)row[_keyOrdinal]!;
            if (!window.TryGetValue(key, out var buffer))
            {
                window[key] = buffer = new WindowBuffer(_computed.Count);
                _stateRows++;
            }
            buffer.Add(row, _computed);
            _changed.Add((start, key));
            updated++;
        }
        context.Count($"{Name}.lateRowsDropped", late);
        context.Count($"{Name}.stateRowsUpdated", updated);
        return Emit(context.Watermarks.ForEviction);
    }

    private List<object?[]> Emit(DateTimeOffset? watermark)
    {
        var output = new List<object?[]>();
        if (watermark is not { } w) return output;
        while (_windowsByStart.Count > 0)
        {
            var (start, window) = _windowsByStart.First();
            if (start + _sizeTicks > w.UtcTicks) break;
            var windowStart = new DateTimeOffset(start, TimeSpan.Zero);
            var windowEnd = new DateTimeOffset(start + _sizeTicks, TimeSpan.Zero);
            foreach (var (key, buffer) in window.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                var row = new object?[FirstAggregateColumn + _functions.Count];
                row[0] = windowStart;
                row[1] = windowEnd;
                row[2] = key;
                buffer.WriteResults(row, FirstAggregateColumn, _computed);
                output.Add(row);
            }
            _windowsByStart.Remove(start);
            _emitted.Add(start);
            _stateRows -= window.Count;
        }
        return output;
    }

    public void SaveState(BinaryWriter writer)
    {
        writer.Write(_windowsByStart.Count);
        foreach (var (start, window) in _windowsByStart)
        {
            writer.Write(start);
            writer.Write(window.Count);
            foreach (var (key, buffer) in window)
            {
                writer.Write(key);
                buffer.Save(writer, _computed.InputKinds);
            }
        }
        ForgetChanges();
    }

    public void SaveChanges(BinaryWriter writer)
    {
        writer.Write(_emitted.Count);
        foreach (var start in _emitted) writer.Write(start);
        var updated = _changed.Where(c => _windowsByStart.TryGetValue(c.Start, out var window) && window.ContainsKey(c.Key)).ToList();
        writer.Write(updated.Count);
        foreach (var (start, key) in updated)
        {
            writer.Write(start);
            writer.Write(key);
            _windowsByStart[start][key].Save(writer, _computed.InputKinds);
        }
        ForgetChanges();
    }

    private void ForgetChanges()
    {
        _changed.Clear();
        _emitted.Clear();
    }

    public void RestoreState(BinaryReader? reader)
    {
        _windowsByStart.Clear();
        _stateRows = 0;
        ForgetChanges();
        if (reader is null) return;
        var windows = reader.ReadInt32();
        for (var w = 0; w < windows; w++)
        {
            var start = reader.ReadInt64();
            var keys = reader.ReadInt32();
            for (var k = 0; k < keys; k++) Put(start, reader.ReadString(), WindowBuffer.Restore(reader, _computed.InputKinds));
        }
    }

    public void ApplyChanges(BinaryReader reader)
    {
        var emitted = reader.ReadInt32();
        for (var e = 0; e < emitted; e++)
        {
            if (_windowsByStart.Remove(reader.ReadInt64(), out var window)) _stateRows -= window.Count;
        }
        var updated = reader.ReadInt32();
        for (var u = 0; u < updated; u++)
        {
            var start = reader.ReadInt64();
            Put(start, reader.ReadString(), WindowBuffer.Restore(reader, _computed.InputKinds));
        }
        ForgetChanges();
    }

    private void Put(long start, string key, WindowBuffer buffer)
    {
        if (!_windowsByStart.TryGetValue(start, out var window)) _windowsByStart[start] = window = new Dictionary<string, WindowBuffer>(StringComparer.Ordinal);
        if (!window.ContainsKey(key)) _stateRows++;
        window[key] = buffer;
    }

    /// <summary>Running sums and distinct sets of one key in one window.</summary>
    private sealed class WindowBuffer
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

        public void Add(object?[] row, Aggregates aggregates)
        {
            for (var i = 0; i < aggregates.Count; i++)
            {
                var value = row[aggregates.InputOrdinals[i]];
                if (value is null) continue;
                if (aggregates.IsSum[i])
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

        public void WriteResults(object?[] row, int offset, Aggregates aggregates)
        {
            for (var i = 0; i < aggregates.Count; i++)
            {
                row[offset + aggregates.Functions[i]] = aggregates.IsSum[i]
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
