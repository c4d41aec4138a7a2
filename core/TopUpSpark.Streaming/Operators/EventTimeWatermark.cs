using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Plan;

namespace TopUpSpark.Streaming.Operators;

/// <summary>
/// <c>withWatermark(column, delay)</c>: passes rows through unchanged and reports the largest event time
/// of the batch; after the batch the engine moves this input's watermark to max − delay (never back).
/// Late rows are not dropped here but by the stateful operators downstream, as in Spark.
/// </summary>
public sealed class EventTimeWatermark : PlanNode, IEventTimeSource
{
    private readonly int _eventTimeOrdinal;

    public EventTimeWatermark(PlanNode input, string inputName, string eventTimeColumn, TimeSpan delay)
        : base($"watermark {inputName}", input.Schema, input)
    {
        if (delay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(delay), "a watermark delay cannot be negative");
        InputName = inputName;
        Delay = delay;
        EventTimeColumn = eventTimeColumn;
        _eventTimeOrdinal = input.Schema.Ordinal(eventTimeColumn);
    }

    public string InputName { get; }
    public TimeSpan Delay { get; }
    public string EventTimeColumn { get; }

    public override IReadOnlyList<object?[]> Execute(BatchContext context, IReadOnlyList<IReadOnlyList<object?[]>> inputRows)
    {
        var rows = inputRows[0];
        DateTimeOffset? max = null;
        foreach (var row in rows)
        {
            if (row[_eventTimeOrdinal] is DateTimeOffset t && (max is null || t > max)) max = t;
        }
        if (max is { } m) context.ObserveMaxEventTime(this, m);
        return rows;
    }

    public override IReadOnlySet<int>[] InputColumnsRead(IReadOnlySet<int> requiredOutputs) =>
        [requiredOutputs.Append(_eventTimeOrdinal).ToHashSet()];
}
