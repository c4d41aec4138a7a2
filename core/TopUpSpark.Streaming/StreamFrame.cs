using TopUpSpark.Core.Messages;
using TopUpSpark.Core.Schema;
using TopUpSpark.Streaming.Operators;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Rows;
using TopUpSpark.Streaming.Sinks;

namespace TopUpSpark.Streaming;

/// <summary>
/// A streaming DataFrame: an immutable handle on a plan node with the familiar transformations. Each
/// call adds one operator; nothing runs until the session starts the query.
/// </summary>
public sealed class StreamFrame
{
    private readonly StreamingSession _session;

    internal StreamFrame(StreamingSession session, PlanNode node)
    {
        _session = session;
        Node = node;
    }

    public PlanNode Node { get; }
    public RowSchema Schema => Node.Schema;

    private StreamFrame With(PlanNode node) => new(_session, node);

    /// <summary><c>from_json(CAST(value AS STRING))</c> with every column of <paramref name="dataset"/> as a string.</summary>
    public StreamFrame ParseJson(DatasetSchema dataset, string eventTimeColumn, int maxMessageBytes = 1 << 20) =>
        With(new ParseJson(Node as SourceScan ?? throw new InvalidOperationException("ParseJson applies to the rows of a source"),
            dataset, eventTimeColumn, maxMessageBytes));

    /// <summary>
    /// Casts every column by the schema file; the event time becomes a UTC timestamp. Runs fused with the
    /// <see cref="ParseJson"/> before it, as one pass over each message.
    /// </summary>
    public StreamFrame Cast(EventTimeBounds? bounds = null) =>
        With(new JsonCast(Node as ParseJson ?? throw new InvalidOperationException("Cast applies to the output of ParseJson"),
            bounds ?? EventTimeBounds.Default));

    /// <summary><c>withWatermark(column, delay)</c>, naming the input for progress and the min-watermark policy.</summary>
    public StreamFrame WithWatermark(string eventTimeColumn, TimeSpan delay, string inputName) =>
        With(new EventTimeWatermark(Node, inputName, eventTimeColumn, delay));

    /// <summary><c>groupBy(window(eventTime, size), key).agg(functions…)</c> in append mode.</summary>
    public StreamFrame GroupByWindow(string eventTimeColumn, TimeSpan size, string keyColumn, IReadOnlyList<AggregateFunction> functions) =>
        With(new WindowAggregate(Node, eventTimeColumn, size, keyColumn, functions));

    /// <summary>
    /// Inner join of this frame's window rows with <paramref name="events"/> on <paramref name="key"/> where
    /// <c>windowStart ≤ eventTime ≤ windowEnd</c>.
    /// </summary>
    public StreamFrame JoinWindowsWith(StreamFrame events, string key, string windowStart, string windowEnd, string eventTime, TimeSpan windowLength) =>
        With(new StreamStreamRangeJoin(Node, events.Node, key, windowStart, windowEnd, eventTime, windowLength));

    /// <summary><c>select(columns…)</c>, each column optionally renamed (<c>"Top-up Month AS Top-up_Month"</c>).</summary>
    public StreamFrame Select(params string[] columns)
    {
        var parsed = columns.Select(c =>
        {
            var parts = c.Split(" AS ", 2, StringSplitOptions.TrimEntries);
            return (Source: Schema.Ordinal(parts[0]), Name: parts.Length == 2 ? parts[1] : parts[0]);
        }).ToArray();
        var schema = new RowSchema(parsed.Select(p => (p.Name, Schema.Kinds[p.Source])));
        var ordinals = parsed.Select(p => p.Source).ToArray();
        return With(new Project(Node, $"select {string.Join(", ", parsed.Select(p => p.Name))}", schema, row =>
        {
            var output = new object?[ordinals.Length];
            for (var i = 0; i < ordinals.Length; i++) output[i] = row[ordinals[i]];
            return output;
        }, ordinals));
    }

    /// <summary>Appends computed columns: a UDF that reads the row and returns the new columns' values.</summary>
    public StreamFrame WithColumns(string name, IReadOnlyList<(string Name, ColumnKind Kind)> columns, Func<object?[], object?[]> udf)
    {
        var schema = new RowSchema(Schema.Names.Select((n, i) => (n, Schema.Kinds[i])).Concat(columns));
        var width = Schema.Count;
        return With(new Project(Node, name, schema, row =>
        {
            var computed = udf(row);
            var output = new object?[width + computed.Length];
            Array.Copy(row, output, width);
            Array.Copy(computed, 0, output, width, computed.Length);
            return output;
        }));
    }

    /// <summary><c>where(condition)</c>.</summary>
    public StreamFrame Where(string description, Func<object?[], bool> predicate) => With(new Filter(Node, $"where {description}", predicate));

    /// <summary><c>writeStream.format("parquet").option("path", directory)</c>.</summary>
    public StreamFrame WriteParquet(string directory)
    {
        _session.AddSink(Node, new ParquetSink(directory));
        return this;
    }

    /// <summary>
    /// <c>writeStream.foreachBatch(handler)</c>: the handler gets the batch's rows, their schema and the batch
    /// (its id, query and tasks). With <paramref name="once"/> the engine remembers the batches the handler
    /// completed and does not hand them over again after a restart (see <see cref="ForeachBatchSink"/>).
    /// </summary>
    public StreamFrame ForeachBatch(string description, Action<IReadOnlyList<object?[]>, RowSchema, BatchPart> handler, bool once = false)
    {
        _session.AddSink(Node, new ForeachBatchSink(description, handler, once));
        return this;
    }
}
