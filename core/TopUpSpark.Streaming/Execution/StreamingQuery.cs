using Microsoft.Extensions.Logging;
using TopUpSpark.Streaming.Plan;
using TopUpSpark.Streaming.Progress;
using TopUpSpark.Streaming.Sinks;

namespace TopUpSpark.Streaming.Execution;

/// <summary>
/// A running micro-batch query (DESIGN §4), as Spark's <c>StreamingQuery</c>: its identity, its progress,
/// and <see cref="RunAsync"/>, which runs batches as its trigger says until the trigger is done or the
/// query is stopped. The batches themselves are <see cref="MicroBatchExecution"/>'s; one query may run as
/// several instances, each running some of its tasks.
/// </summary>
public sealed class StreamingQuery : IDisposable
{
    private readonly StreamingQueryOptions _options;
    private readonly MicroBatchExecution _execution;
    private readonly ILogger _log;

    internal StreamingQuery(StreamingQueryOptions options, int cores, IReadOnlyList<(PlanNode Node, IBatchSink Sink)> sinks,
        IDeadLetterSink? deadLetters, ILoggerFactory loggerFactory)
    {
        _options = options;
        _log = loggerFactory.CreateLogger($"query.{options.Name}");
        _execution = new MicroBatchExecution(options, cores, new QueryPlan(sinks), deadLetters, loggerFactory);
    }

    public Guid Id => _execution.Id;
    public string Name => _options.Name;

    /// <summary>Fires after every batch with its progress.</summary>
    public event Action<QueryProgress>? Progress
    {
        add => _execution.Progress.Reported += value;
        remove => _execution.Progress.Reported -= value;
    }

    public QueryTotals Totals => _execution.Totals;

    /// <summary>The global watermark the next batch will evict with (null: none yet).</summary>
    public DateTimeOffset? CurrentWatermark => _execution.CurrentWatermark;

    /// <summary>Runs until the trigger says stop (available-now) or <paramref name="cancel"/> fires; then returns. A stop waits for the batch in progress.</summary>
    public async Task RunAsync(CancellationToken cancel)
    {
        await Task.Yield();
        _execution.Start();
        await TriggerExecutor.For(_options, _log).RunAsync(_execution, cancel);
        _log.LogInformation("query {Name} stopped after batch {Batch} (tasks [{Tasks}]): {Summary}",
            Name, _execution.LastBatchId, string.Join(", ", _execution.OwnedTasks), Totals);
    }

    public void Dispose() => _execution.Dispose();
}
