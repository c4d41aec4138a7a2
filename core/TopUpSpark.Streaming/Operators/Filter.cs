using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Plan;

namespace TopUpSpark.Streaming.Operators;

/// <summary><c>where(condition)</c>: keeps the rows the predicate accepts, in order.</summary>
public sealed class Filter(PlanNode input, string name, Func<object?[], bool> predicate)
    : PlanNode(name, input.Schema, input)
{
    public override IReadOnlyList<object?[]> Execute(BatchContext context, IReadOnlyList<IReadOnlyList<object?[]>> inputRows) =>
        inputRows[0].Where(predicate).ToList();
}
