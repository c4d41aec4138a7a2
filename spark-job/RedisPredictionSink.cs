using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Messages;
using TopUpSpark.Serving;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Job;

/// <summary>
/// The serving sink, a foreachBatch over scored rows: each customer's latest prediction of the batch (its newest
/// window, then newest ts) goes to Redis, and the batch's predicted top-ups per state and window end are added to
/// that window's counts — what topup-api serves. Idempotent per batch (see <see cref="RedisPredictionStore"/>):
/// a replayed batch changes nothing. A Redis that does not answer fails the batch, which the job then reports.
/// </summary>
public sealed class RedisPredictionSink(RedisPredictionStore store, string modelId, TimeProvider clock, ILogger log)
{
    /// <summary>The scored columns the sink reads.</summary>
    public static readonly string[] Columns = ["ID", "window_start", "window_end", "ts", "State", "prediction", "probability"];

    public long CustomersWritten { get; private set; }

    public void Write(IReadOnlyList<object?[]> scored, RowSchema schema, BatchPart batch)
    {
        var ordinals = Columns.Select(schema.Ordinal).ToArray();
        var scoredAt = clock.GetUtcNow();
        var rows = scored
            .Where(row => row[ordinals[5]] is double && row[ordinals[6]] is double && row[ordinals[0]] is string)
            .Select(row => (Score: new CustomerPrediction((string)row[ordinals[0]]!, (double)row[ordinals[6]]!, (int)(double)row[ordinals[5]]!, modelId,
                (DateTimeOffset)row[ordinals[1]]!, (DateTimeOffset)row[ordinals[2]]!, (DateTimeOffset)row[ordinals[3]]!, scoredAt), State: row[ordinals[4]] as string))
            .ToList();
        var latest = rows.Select(r => r.Score).GroupBy(p => p.Id, StringComparer.Ordinal)
            .Select(customer => customer.OrderByDescending(p => p.WindowEnd).ThenByDescending(p => p.Ts).First())
            .ToList();
        // As on topup-by-state: a prediction without a state counts under UNKNOWN.
        var windows = rows.Where(r => r.Score.Prediction == 1)
            .GroupBy(r => r.Score.WindowEnd)
            .Select(window => new WindowCounts(window.Key, window
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
