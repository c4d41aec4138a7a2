using TopUpSpark.Streaming.Operators;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Sinks;
using TopUpSpark.Streaming.Sources;

namespace TopUpSpark.Streaming.Execution;

/// <summary>
/// A query's operators as the engine runs them, worked out once before the first batch: their order
/// (inputs first), column pruning applied, the sources, the stateful operators with their ids in the
/// checkpoint, the event-time inputs, and when each operator's rows — and each source's record bytes —
/// can be let go within a batch.
/// </summary>
internal sealed class QueryPlan
{
    public QueryPlan(IReadOnlyList<(PlanNode Node, IBatchSink Sink)> sinks)
    {
        if (sinks.Count == 0) throw new InvalidOperationException("a streaming query needs at least one sink");
        Sinks = sinks;
        var sinkNodes = sinks.Select(s => s.Node).ToList();
        Order = TopologicalOrder(sinkNodes);
        ColumnPruning.Apply(Order, sinkNodes);
        Scans = Order.OfType<SourceScan>().ToDictionary(s => s.Topic, StringComparer.Ordinal);
        Stateful = Order.Select((n, i) => (n, i)).Where(x => x.n is IStatefulOperator)
            .Select(x => new StatefulOperator($"{x.i}:{x.n.Name}", x.n, (IStatefulOperator)x.n)).ToList();
        EventTimeInputs = Order.OfType<IEventTimeSource>().ToDictionary(e => e.InputName, e => e.Delay, StringComparer.Ordinal);
        LastReadersOfRecords = FindLastReadersOfRecords(Order, sinkNodes);
        OutputsDoneAfter = FindOutputsDoneAfter(Order, sinkNodes);
    }

    public IReadOnlyList<(PlanNode Node, IBatchSink Sink)> Sinks { get; }
    public IReadOnlyList<PlanNode> Order { get; }
    public IReadOnlyDictionary<string, SourceScan> Scans { get; }
    public IReadOnlyList<StatefulOperator> Stateful { get; }

    /// <summary>Each watermarked input's name and delay.</summary>
    public IReadOnlyDictionary<string, TimeSpan> EventTimeInputs { get; }

    /// <summary>After which node a source's record bytes can go back to the pool (see <see cref="FindLastReadersOfRecords"/>).</summary>
    public IReadOnlyDictionary<PlanNode, IStreamSource[]> LastReadersOfRecords { get; }

    /// <summary>Per node, the inputs whose rows nothing reads after it.</summary>
    public IReadOnlyDictionary<PlanNode, PlanNode[]> OutputsDoneAfter { get; }

    /// <summary>A stateful operator and the id its state has in the checkpoint (its position and name: a changed query does not restore by mistake).</summary>
    public sealed record StatefulOperator(string Id, PlanNode Node, IStatefulOperator Operator);

    /// <summary>
    /// Where a source's records can go back to the pool before the batch ends: after the last operator that
    /// reads them, when those are all decodes (which copy what they keep). The bytes are the largest part of
    /// a batch's memory, and released early they serve the next batch's read-ahead. A scan read any other
    /// way hands out views over the records, which then live to the end of the batch.
    /// </summary>
    private static Dictionary<PlanNode, IStreamSource[]> FindLastReadersOfRecords(IReadOnlyList<PlanNode> order, IEnumerable<PlanNode> sinkNodes)
    {
        var sinks = sinkNodes.ToHashSet();
        return order.OfType<SourceScan>()
            .Select(scan => (scan, Readers: order.Where(n => n.Inputs.Contains(scan)).ToList()))
            .Where(s => !sinks.Contains(s.scan) && s.Readers.Count > 0 && s.Readers.All(r => r is IRecordDecoder))
            .GroupBy(s => s.Readers[^1], s => s.scan.Source)
            .ToDictionary(g => g.Key, g => g.ToArray());
    }

    /// <summary>
    /// Per operator, the inputs whose rows nothing reads after it: they are let go at once, so that a
    /// collection later in the batch does not copy, say, the decoded rows an aggregate has already folded.
    /// Rows that sinks write live to the end of the batch.
    /// </summary>
    private static Dictionary<PlanNode, PlanNode[]> FindOutputsDoneAfter(IReadOnlyList<PlanNode> order, IEnumerable<PlanNode> sinkNodes)
    {
        var sinks = sinkNodes.ToHashSet();
        var lastReader = new Dictionary<PlanNode, PlanNode>();
        foreach (var node in order)
            foreach (var input in node.Inputs)
                lastReader[input] = node;
        return order.ToDictionary(node => node, node => node.Inputs.Distinct().Where(input => lastReader[input] == node && !sinks.Contains(input)).ToArray());
    }

    private static List<PlanNode> TopologicalOrder(IEnumerable<PlanNode> roots)
    {
        var order = new List<PlanNode>();
        var seen = new HashSet<PlanNode>();
        void Visit(PlanNode node)
        {
            if (!seen.Add(node)) return;
            foreach (var input in node.Inputs) Visit(input);
            order.Add(node);
        }
        foreach (var root in roots) Visit(root);
        return order;
    }
}
