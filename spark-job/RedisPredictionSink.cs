using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Messages;
using TopUpSpark.Serving;
using TopUpSpark.Streaming.Operators;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Job;

/// <summary>
/// The serving sink, a foreachBatch over scored rows: each customer's latest prediction of the batch (its newest
/// window, then newest ts) goes to Redis, and the batch's predicted top-ups per state and window end are added to
/// that window's counts — what topup-api serves. Idempotent per batch (see <see cref="RedisPredictionStore"/>):
/// a replayed batch changes nothing. A Redis that does not answer fails the batch, which the job then reports.
/// </summary>
/// <param name="keyColumn">The customer id column (the schema file's key).</param>
/// <param name="eventTimeColumn">The event-time column (the schema file's).</param>
/// <param name="stateColumn">The column the window counts group by.</param>
public sealed class RedisPredictionSink(RedisPredictionStore store, string modelId, TimeProvider clock, ILogger log,
    string keyColumn, string eventTimeColumn, string stateColumn)
{
    /// <summary>The scored columns the sink reads.</summary>
    public string[] Columns =>
        [keyColumn, WindowAggregate.WindowStartColumn, WindowAggregate.WindowEndColumn, eventTimeColumn, stateColumn, ScoringUdf.PredictionColumn, ScoringUdf.ProbabilityColumn];

    public long CustomersWritten { get; private set; }

    public void Write(IReadOnlyList<object?[]> scored, RowSchema schema, BatchPart batch)
    {
        var id = schema.Ordinal(keyColumn);
        var windowStart = schema.Ordinal(WindowAggregate.WindowStartColumn);
        var windowEnd = schema.Ordinal(WindowAggregate.WindowEndColumn);
        var eventTime = schema.Ordinal(eventTimeColumn);
        var state = schema.Ordinal(stateColumn);
        var prediction = schema.Ordinal(ScoringUdf.PredictionColumn);
        var probability = schema.Ordinal(ScoringUdf.ProbabilityColumn);
        var scoredAt = clock.GetUtcNow();
        var rows = scored
            .Where(row => row[prediction] is double && row[probability] is double && row[id] is string)
            .Select(row => (Score: new CustomerPrediction((string)row[id]!, (double)row[probability]!, (int)(double)row[prediction]!, modelId,
                (DateTimeOffset)row[windowStart]!, (DateTimeOffset)row[windowEnd]!, (DateTimeOffset)row[eventTime]!, scoredAt), State: row[state] as string))
            .ToList();
        var latest = rows.Select(r => r.Score).GroupBy(p => p.Id, StringComparer.Ordinal)
            .Select(customer => customer.OrderByDescending(p => p.WindowEnd).ThenByDescending(p => p.Ts).First())
            .ToList();
        // As on topup-by-state: a prediction without a state counts under UNKNOWN.
        var windows = rows.Where(r => r.Score.Prediction == 1)
            .GroupBy(r => r.Score.WindowEnd)
            .Select(window => new WindowStateCounts(window.Key, window
                .GroupBy(r => r.State ?? "UNKNOWN", StringComparer.Ordinal)
                .Select(state => (state.Key, state.LongCount()))
                .ToList()))
            .ToList();
        if (latest.Count == 0) return;
        var changed = store.WriteAsync(latest, windows, new WritingBatch(batch.QueryId, batch.BatchId, batch.Tasks)).GetAwaiter().GetResult();
        CustomersWritten += changed;
        log.LogDebug("epoch {Batch}: latest predictions of {Changed} of {Customers} customer(s) written to Redis", batch.BatchId, changed, latest.Count);
    }
}
