using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Rows;
using TopUpSpark.Streaming.State;

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
    private sealed record Aggregates(int[] Functions, bool[] IsSum, int[] InputOrdinals, ColumnKind[] InputKinds);

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

    /// <summary>The start of the tumbling window holding <paramref name="eventTime"/> (floor, also before 1970).</summary>
    public long WindowStartTicks(DateTimeOffset eventTime)
    {
        var sinceEpoch = eventTime.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var remainder = ((sinceEpoch % _sizeTicks) + _sizeTicks) % _sizeTicks;
        return eventTime.UtcTicks - remainder;
    }

    /// <summary>A task's store, made before its first batch, after column pruning decided what is computed.</summary>
    public IStateStore CreateStore() => new WindowAggregateStore(_computed.InputKinds);

    public bool HasWorkAt(IStateStore store, DateTimeOffset watermark) =>
        ((WindowAggregateStore)store).FirstStart is { } first && first + _sizeTicks <= watermark.UtcTicks;

    public override IReadOnlyList<object?[]> Execute(BatchContext context, IReadOnlyList<IReadOnlyList<object?[]>> inputRows)
    {
        var store = context.StateOf<WindowAggregateStore>(this);
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
            store.Update(start, (string)row[_keyOrdinal]!).Add(row, _computed.InputOrdinals, _computed.IsSum);
            updated++;
        }
        context.DropLateRows(this, $"{Name}.lateRowsDropped", late);
        context.Count($"{Name}.stateRowsUpdated", updated);
        return Emit(store, context.Watermarks.ForEviction);
    }

    private List<object?[]> Emit(WindowAggregateStore store, DateTimeOffset? watermark)
    {
        var output = new List<object?[]>();
        if (watermark is not { } w) return output;
        while (store.FirstStart is { } first && first + _sizeTicks <= w.UtcTicks)
        {
            var (start, keys) = store.RemoveFirstWindow();
            // Boxed once: every key's row of the window shares them.
            object windowStart = new DateTimeOffset(start, TimeSpan.Zero);
            object windowEnd = new DateTimeOffset(start + _sizeTicks, TimeSpan.Zero);
            foreach (var (key, buffer) in keys)
            {
                var row = new object?[FirstAggregateColumn + _functions.Count];
                row[0] = windowStart;
                row[1] = windowEnd;
                row[2] = key;
                buffer.WriteResults(row, FirstAggregateColumn, _computed.Functions, _computed.IsSum);
                output.Add(row);
            }
        }
        return output;
    }
}
