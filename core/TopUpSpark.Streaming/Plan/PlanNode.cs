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

    /// <summary>
    /// For column pruning (<see cref="ColumnPruning"/>): the columns of each input this node reads to produce
    /// <paramref name="requiredOutputs"/>. The default, every column, is the only safe answer for opaque code.
    /// </summary>
    public virtual IReadOnlySet<int>[] InputColumnsRead(IReadOnlySet<int> requiredOutputs) =>
        Inputs.Select(input => (IReadOnlySet<int>)AllColumns(input.Schema)).ToArray();

    /// <summary>
    /// Told, before the first batch, which of its output columns anything downstream reads. A node may then
    /// skip computing the others — they stay null — as Spark never evaluates an expression whose column was pruned.
    /// </summary>
    public virtual void ProduceOnly(IReadOnlySet<int> requiredOutputs)
    {
    }

    public static HashSet<int> AllColumns(RowSchema schema) => Enumerable.Range(0, schema.Count).ToHashSet();

    public override string ToString() => Name;
}
