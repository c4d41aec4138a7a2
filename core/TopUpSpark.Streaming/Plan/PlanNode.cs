using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Streaming.Plan;

/// <summary>
/// One operator of a streaming query. Each batch, the engine runs every node once, in dependency
/// order, handing it the rows its inputs produced in that batch; a node used by several sinks is
/// still computed once.
/// </summary>
public abstract class PlanNode(string name, RowSchema schema, params PlanNode[] inputs)
{
    public string Name { get; } = name;
    public RowSchema Schema { get; } = schema;
    public IReadOnlyList<PlanNode> Inputs { get; } = inputs;

    public abstract IReadOnlyList<object?[]> Execute(BatchContext context, IReadOnlyList<IReadOnlyList<object?[]>> inputRows);

    public override string ToString() => Name;
}
