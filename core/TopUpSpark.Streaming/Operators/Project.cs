using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Streaming.Operators;

/// <summary>
/// <c>select</c> / <c>withColumn</c> / a UDF: maps every row to a new row of <paramref name="schema"/>.
/// The mapping must be a pure function of the row; rows are mapped on up to <c>cores</c> threads and
/// keep their order.
/// </summary>
public sealed class Project(PlanNode input, string name, RowSchema schema, Func<object?[], object?[]> map)
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
}
