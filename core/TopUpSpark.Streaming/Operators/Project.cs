using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Streaming.Operators;

/// <summary>
/// <c>select</c> / <c>withColumn</c> / a UDF: maps every row to a new row of <paramref name="schema"/>.
/// The mapping must be a pure function of the row; rows are mapped on up to <c>cores</c> threads and
/// keep their order. A plain <c>select</c> names the input column each output copies
/// (<paramref name="columnSources"/>), which lets column pruning see through it; a UDF is opaque.
/// </summary>
public sealed class Project(PlanNode input, string name, RowSchema schema, Func<object?[], object?[]> map,
    IReadOnlyList<int>? columnSources = null)
    : PlanNode(name, schema, input)
{
    public override IReadOnlyList<object?[]> Execute(BatchContext context, IReadOnlyList<IReadOnlyList<object?[]>> inputRows)
    {
        var input = inputRows[0];
        var output = new object?[input.Count][];
        if (input.Count < 256)
        {
            for (var i = 0; i < input.Count; i++) output[i] = map(input[i]);
        }
        else
        {
            Parallel.For(0, input.Count, context.Parallelism, i => output[i] = map(input[i]));
        }
        return output;
    }

    public override IReadOnlySet<int>[] InputColumnsRead(IReadOnlySet<int> requiredOutputs) =>
        columnSources is null ? base.InputColumnsRead(requiredOutputs) : [requiredOutputs.Select(o => columnSources[o]).ToHashSet()];
}
