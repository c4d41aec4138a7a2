using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Streaming.Operators;

/// <summary>
/// Stream-stream inner join, append mode, of window rows (left) with event rows (right):
/// <c>left.key = right.key AND left.window_start ≤ right.ts ≤ left.window_end</c>. Each new row on one
/// side meets the other side's state, so every matching pair is emitted exactly once, whichever batch
/// each row arrived in. Late rows (right: ts at or before the late-row watermark; left: window end at or
/// before it) are dropped and counted. With the eviction watermark W, a right row leaves state once no
/// future window can match it (ts &lt; W − window length) and a window row once no future right row can
/// (window_end &lt; W). Output: every left column, then the right columns except its key.
/// </summary>
public sealed class StreamStreamRangeJoin : PlanNode, IStatefulOperator
{
    private readonly int _leftKey, _leftStart, _leftEnd, _rightKey, _rightTime;
    private readonly long _rightRetentionTicks;
    private readonly int[] _rightOutputOrdinals;
    private readonly Dictionary<string, List<object?[]>> _leftState = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<object?[]>> _rightState = new(StringComparer.Ordinal);

    public StreamStreamRangeJoin(PlanNode left, PlanNode right, string key, string windowStart, string windowEnd,
        string rightEventTime, TimeSpan maxWindowLength)
        : base($"join on {key} and {windowStart} <= {rightEventTime} <= {windowEnd}", OutputSchema(left.Schema, right.Schema, key), left, right)
    {
        _leftKey = left.Schema.Ordinal(key);
        _leftStart = left.Schema.Ordinal(windowStart);
        _leftEnd = left.Schema.Ordinal(windowEnd);
        _rightKey = right.Schema.Ordinal(key);
        _rightTime = right.Schema.Ordinal(rightEventTime);
        _rightRetentionTicks = maxWindowLength.Ticks;
        _rightOutputOrdinals = Enumerable.Range(0, right.Schema.Count).Where(i => i != _rightKey).ToArray();
    }

    private static RowSchema OutputSchema(RowSchema left, RowSchema right, string key)
    {
        var rightColumns = right.Names.Select((n, i) => (n, right.Kinds[i])).Where(c => c.n != key).ToList();
        var clash = rightColumns.Select(c => c.n).FirstOrDefault(left.Contains);
        if (clash is not null) throw new ArgumentException($"both sides of the join have a column '{clash}'; rename one first");
        return new RowSchema(left.Names.Select((n, i) => (n, left.Kinds[i])).Concat(rightColumns));
    }

    public long StateRows => _leftState.Values.Sum(l => (long)l.Count) + _rightState.Values.Sum(l => (long)l.Count);

    public bool HasWorkAt(DateTimeOffset watermark) =>
        _leftState.Values.Any(rows => rows.Any(r => LeftEvictable(r, watermark)))
        || _rightState.Values.Any(rows => rows.Any(r => RightEvictable(r, watermark)));

    private bool LeftEvictable(object?[] row, DateTimeOffset w) => (DateTimeOffset)row[_leftEnd]! < w;

    private bool RightEvictable(object?[] row, DateTimeOffset w) => ((DateTimeOffset)row[_rightTime]!).UtcTicks < w.UtcTicks - _rightRetentionTicks;

    private bool Matches(object?[] left, object?[] right)
    {
        var t = (DateTimeOffset)right[_rightTime]!;
        return (DateTimeOffset)left[_leftStart]! <= t && t <= (DateTimeOffset)left[_leftEnd]!;
    }

    public override IReadOnlyList<object?[]> Execute(BatchContext context, IReadOnlyList<IReadOnlyList<object?[]>> inputRows)
    {
        var output = new List<object?[]>();
        long leftLate = 0, rightLate = 0;
        foreach (var left in inputRows[0])
        {
            if (context.Watermarks.IsLate((DateTimeOffset)left[_leftEnd]!)) { leftLate++; continue; }
            var key = (string)left[_leftKey]!;
            if (_rightState.TryGetValue(key, out var rights))
            {
                foreach (var right in rights)
                    if (Matches(left, right)) output.Add(Combine(left, right));
            }
            StateOf(_leftState, key).Add(left);
        }
        foreach (var right in inputRows[1])
        {
            if (context.Watermarks.IsLate((DateTimeOffset)right[_rightTime]!)) { rightLate++; continue; }
            var key = (string)right[_rightKey]!;
            if (_leftState.TryGetValue(key, out var lefts))
            {
                foreach (var left in lefts)
                    if (Matches(left, right)) output.Add(Combine(left, right));
            }
            StateOf(_rightState, key).Add(right);
        }
        context.Count($"{Name}.left.lateRowsDropped", leftLate);
        context.Count($"{Name}.right.lateRowsDropped", rightLate);
        if (context.Watermarks.ForEviction is { } w)
        {
            context.Count($"{Name}.left.stateRowsEvicted", Evict(_leftState, r => LeftEvictable(r, w)));
            context.Count($"{Name}.right.stateRowsEvicted", Evict(_rightState, r => RightEvictable(r, w)));
        }
        return output;
    }

    private object?[] Combine(object?[] left, object?[] right)
    {
        var row = new object?[left.Length + _rightOutputOrdinals.Length];
        Array.Copy(left, row, left.Length);
        for (var i = 0; i < _rightOutputOrdinals.Length; i++) row[left.Length + i] = right[_rightOutputOrdinals[i]];
        return row;
    }

    private static List<object?[]> StateOf(Dictionary<string, List<object?[]>> state, string key)
    {
        if (!state.TryGetValue(key, out var rows)) state[key] = rows = [];
        return rows;
    }

    private static long Evict(Dictionary<string, List<object?[]>> state, Predicate<object?[]> evictable)
    {
        long evicted = 0;
        foreach (var key in state.Keys.ToList())
        {
            var rows = state[key];
            evicted += rows.RemoveAll(evictable);
            if (rows.Count == 0) state.Remove(key);
        }
        return evicted;
    }

    public void SaveState(BinaryWriter writer)
    {
        RowCodec.Write(writer, _leftState.Values.SelectMany(r => r).ToList(), Inputs[0].Schema);
        RowCodec.Write(writer, _rightState.Values.SelectMany(r => r).ToList(), Inputs[1].Schema);
    }

    public void RestoreState(BinaryReader? reader)
    {
        _leftState.Clear();
        _rightState.Clear();
        if (reader is null) return;
        foreach (var row in RowCodec.Read(reader, Inputs[0].Schema)) StateOf(_leftState, (string)row[_leftKey]!).Add(row);
        foreach (var row in RowCodec.Read(reader, Inputs[1].Schema)) StateOf(_rightState, (string)row[_rightKey]!).Add(row);
    }
}
