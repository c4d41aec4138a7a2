using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Rows;
using TopUpSpark.Streaming.State;

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

    /// <summary>
    /// A task's two sides. A window row can meet no future event once its end is before the watermark; an
    /// event none of the future windows (those ending after the watermark) once ts + window length is before it.
    /// </summary>
    public IStateStore CreateStore() => new JoinStore(
        new JoinSideState(Inputs[0].Schema, _leftKey, row => ((DateTimeOffset)row[_leftEnd]!).UtcTicks),
        new JoinSideState(Inputs[1].Schema, _rightKey, row => ((DateTimeOffset)row[_rightTime]!).UtcTicks + _rightRetentionTicks));

    private sealed class JoinStore(JoinSideState left, JoinSideState right) : IStateStore
    {
        public JoinSideState Left { get; } = left;
        public JoinSideState Right { get; } = right;

        public long Rows => Left.Count + Right.Count;

        public void WriteSnapshot(BinaryWriter writer)
        {
            Left.WriteSnapshot(writer);
            Right.WriteSnapshot(writer);
        }

        public void WriteDelta(BinaryWriter writer)
        {
            Left.WriteDelta(writer);
            Right.WriteDelta(writer);
        }

        public void Restore(BinaryReader? snapshot, IEnumerable<BinaryReader> deltas)
        {
            // Each file holds the left side's part, then the right side's: read in that order.
            var readers = deltas.ToList();
            Left.Restore(snapshot, readers);
            Right.Restore(snapshot, readers);
        }
    }

    private static RowSchema OutputSchema(RowSchema left, RowSchema right, string key)
    {
        var rightColumns = right.Names.Select((n, i) => (n, right.Kinds[i])).Where(c => c.n != key).ToList();
        var clash = rightColumns.Select(c => c.n).FirstOrDefault(left.Contains);
        if (clash is not null) throw new ArgumentException($"both sides of the join have a column '{clash}'; rename one first");
        return new RowSchema(left.Names.Select((n, i) => (n, left.Kinds[i])).Concat(rightColumns));
    }

    public bool HasWorkAt(IStateStore store, DateTimeOffset watermark) =>
        ((JoinStore)store).Left.HasExpiredAt(watermark.UtcTicks) || ((JoinStore)store).Right.HasExpiredAt(watermark.UtcTicks);

    private bool Matches(object?[] left, object?[] right)
    {
        var t = (DateTimeOffset)right[_rightTime]!;
        return (DateTimeOffset)left[_leftStart]! <= t && t <= (DateTimeOffset)left[_leftEnd]!;
    }

    public override IReadOnlyList<object?[]> Execute(BatchContext context, IReadOnlyList<IReadOnlyList<object?[]>> inputRows)
    {
        var state = context.StateOf<JoinStore>(this);
        var output = new List<object?[]>();
        long leftLate = 0, rightLate = 0;
        foreach (var left in inputRows[0])
        {
            if (context.Watermarks.IsLate((DateTimeOffset)left[_leftEnd]!)) { leftLate++; continue; }
            foreach (var right in state.Right.RowsOf((string)left[_leftKey]!))
                if (Matches(left, right)) output.Add(Combine(left, right));
            state.Left.Add(left);
        }
        foreach (var right in inputRows[1])
        {
            if (context.Watermarks.IsLate((DateTimeOffset)right[_rightTime]!)) { rightLate++; continue; }
            foreach (var left in state.Left.RowsOf((string)right[_rightKey]!))
                if (Matches(left, right)) output.Add(Combine(left, right));
            state.Right.Add(right);
        }
        context.DropLateRows(this, $"{Name}.left.lateRowsDropped", leftLate);
        context.DropLateRows(this, $"{Name}.right.lateRowsDropped", rightLate);
        if (context.Watermarks.ForEviction is { } w)
        {
            context.Count($"{Name}.left.stateRowsEvicted", state.Left.Evict(w.UtcTicks));
            context.Count($"{Name}.right.stateRowsEvicted", state.Right.Evict(w.UtcTicks));
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

    public override IReadOnlySet<int>[] InputColumnsRead(IReadOnlySet<int> requiredOutputs)
    {
        var leftWidth = Inputs[0].Schema.Count;
        var left = requiredOutputs.Where(o => o < leftWidth).Concat([_leftKey, _leftStart, _leftEnd]).ToHashSet();
        var right = requiredOutputs.Where(o => o >= leftWidth).Select(o => _rightOutputOrdinals[o - leftWidth]).Concat([_rightKey, _rightTime]).ToHashSet();
        return [left, right];
    }
}
