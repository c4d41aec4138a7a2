namespace TopUpSpark.Streaming.Plan;

/// <summary>
/// Catalyst's column pruning, done once before the first batch: walking from the sinks back to the
/// sources, every node learns which of its columns something reads, so an aggregate nobody selects is
/// not computed and a JSON field nobody reads is not decoded. The rows the sinks see do not change.
/// </summary>
public static class ColumnPruning
{
    /// <param name="order">Every node of the query, inputs before the nodes that read them.</param>
    /// <param name="sinkNodes">The nodes whose rows go to a sink: all their columns are read.</param>
    public static void Apply(IReadOnlyList<PlanNode> order, IEnumerable<PlanNode> sinkNodes)
    {
        var required = new Dictionary<PlanNode, HashSet<int>>();
        foreach (var node in sinkNodes) RequiredOf(required, node).UnionWith(PlanNode.AllColumns(node.Schema));
        for (var i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            var columns = RequiredOf(required, node);
            node.ProduceOnly(columns);
            var reads = node.InputColumnsRead(columns);
            for (var input = 0; input < node.Inputs.Count; input++) RequiredOf(required, node.Inputs[input]).UnionWith(reads[input]);
        }
    }

    private static HashSet<int> RequiredOf(Dictionary<PlanNode, HashSet<int>> required, PlanNode node)
    {
        if (!required.TryGetValue(node, out var columns)) required[node] = columns = [];
        return columns;
    }
}
