using System.Globalization;
using StackExchange.Redis;

namespace TopUpSpark.Serving;

/// <summary>The latest prediction of one customer, as the job writes it and the API serves it.</summary>
public sealed record CustomerPrediction(
    string Id, double Probability, int Prediction, string ModelId,
    DateTimeOffset WindowStart, DateTimeOffset WindowEnd, DateTimeOffset Ts, DateTimeOffset ScoredAt);

/// <summary>Which batch a write comes from: the query's id (kept in its checkpoint), the batch id and the tasks it covers.</summary>
public sealed record WritingBatch(Guid QueryId, long BatchId, IReadOnlyList<int> Tasks)
{
    /// <summary>A part of a batch is one query's batch over one set of tasks: a replay repeats it exactly.</summary>
    public string Part => FormattableString.Invariant($"{QueryId:D}/{BatchId}/{string.Join(',', Tasks)}");
}

/// <summary>Predicted top-ups per state of one window, summed over every batch and task that added to it.</summary>
public sealed record WindowStateCounts(DateTimeOffset WindowEnd, IReadOnlyList<(string State, long Count)> Counts);

/// <summary>
/// Where the job keeps what the API serves, in Redis: one hash per customer, <c>&lt;prefix&gt;prediction:&lt;ID&gt;</c>,
/// with its latest prediction, and per window end the predicted top-ups per state (<c>&lt;prefix&gt;window:&lt;unix end&gt;</c>,
/// indexed by the sorted set <c>&lt;prefix&gt;windows</c>).
/// Writes are idempotent per batch, whatever instance makes them: a customer's hash records the query and batch
/// that wrote it and a server-side script leaves it alone unless a later batch of the same query writes (a
/// customer belongs to one task, and a task's batch ids only grow, even when it moves to another instance);
/// a window's counts record the batch parts (query, batch, tasks) added to them, and a part already there adds
/// nothing. So a batch replayed after a crash changes nothing, and a newer checkpoint (another query id) writes over.
/// </summary>
public sealed class RedisPredictionStore(IDatabase redis, string keyPrefix, TimeSpan? timeToLive)
{
    /// <summary>How many of the newest windows the index keeps; their counts expire with the TTL, if any.</summary>
    public const int WindowsKept = 1000;

    private readonly string _windowsIndex = keyPrefix + "windows";

    public string KeyPrefix { get; } = keyPrefix;

    public string PredictionKey(string id) => KeyPrefix + "prediction:" + id;

    private string WindowKey(long windowEnd) => KeyPrefix + "window:" + windowEnd.ToString(CultureInfo.InvariantCulture);

    private long TtlSeconds => timeToLive is { } ttl ? Math.Max(1, (long)Math.Ceiling(ttl.TotalSeconds)) : 0;

    /// <summary>Writes the batch's latest prediction of each customer and its per-state counts; returns how many customers changed.</summary>
    public async Task<int> WriteAsync(IReadOnlyCollection<CustomerPrediction> predictions, IReadOnlyCollection<WindowStateCounts> windows, WritingBatch batch)
    {
        var query = batch.QueryId.ToString("D");
        var batchId = batch.BatchId.ToString(CultureInfo.InvariantCulture);
        var ttl = TtlSeconds.ToString(CultureInfo.InvariantCulture);
        // Sent together, answered together: one round trip's wait for the whole batch.
        var upserts = predictions.Select(p => redis.ScriptEvaluateAsync(UpsertScript,
            [(RedisKey)PredictionKey(p.Id)],
            [query, batchId, ttl, .. Fields(p)])).ToList();
        var windowWrites = windows.Select(w => AddWindowAsync(w, batch.Part)).ToList();
        var results = await Task.WhenAll(upserts);
        await Task.WhenAll(windowWrites);
        return results.Count(r => (long)r == 1);
    }

    // ARGV: the query id, the batch id, the TTL in seconds (0: none), then the prediction's field and value pairs.
    private const string UpsertScript = """
        local stored = redis.call('HMGET', KEYS[1], 'query', 'batch')
        if stored[1] == ARGV[1] and tonumber(stored[2]) >= tonumber(ARGV[2]) then return 0 end
        redis.call('HSET', KEYS[1], 'query', ARGV[1], 'batch', ARGV[2], unpack(ARGV, 4))
        if tonumber(ARGV[3]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
        return 1
        """;

    // ARGV: the batch part, the window end, the TTL in seconds (0: none), the index's size, then state and count pairs.
    private const string AddWindowScript = """
        if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
        for i = 5, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
        redis.call('ZADD', KEYS[3], ARGV[2], ARGV[2])
        redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -tonumber(ARGV[4]) - 1)
        if tonumber(ARGV[3]) > 0 then
          redis.call('EXPIRE', KEYS[1], ARGV[3])
          redis.call('EXPIRE', KEYS[2], ARGV[3])
        end
        return 1
        """;

    private static RedisValue[] Fields(CustomerPrediction p) =>
    [
        "probability", p.Probability.ToString("R", CultureInfo.InvariantCulture),
        "prediction", p.Prediction.ToString(CultureInfo.InvariantCulture),
        "model", p.ModelId,
        "window_start", Time(p.WindowStart),
        "window_end", Time(p.WindowEnd),
        "ts", Time(p.Ts),
        "scored_at", Time(p.ScoredAt),
    ];

    private async Task AddWindowAsync(WindowStateCounts window, string part)
    {
        var end = window.WindowEnd.ToUnixTimeSeconds();
        var counts = WindowKey(end);
        var parts = counts + ":parts";
        RedisValue[] arguments = [part, end, TtlSeconds, WindowsKept, .. window.Counts.SelectMany(c => new RedisValue[] { c.State, c.Count })];
        await redis.ScriptEvaluateAsync(AddWindowScript, [counts, parts, _windowsIndex], arguments);
    }

    /// <summary>The customer's latest prediction, or null when none is stored.</summary>
    public async Task<CustomerPrediction?> GetAsync(string id)
    {
        var entries = await redis.HashGetAllAsync(PredictionKey(id));
        if (entries.Length == 0) return null;
        var fields = entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
        return new CustomerPrediction(id,
            double.Parse(fields["probability"], CultureInfo.InvariantCulture),
            int.Parse(fields["prediction"], CultureInfo.InvariantCulture),
            fields["model"],
            ParseTime(fields["window_start"]), ParseTime(fields["window_end"]), ParseTime(fields["ts"]), ParseTime(fields["scored_at"]));
    }

    /// <summary>The newest window's per-state counts (descending count, then state), or null when there is none yet.</summary>
    public async Task<WindowStateCounts?> LatestWindowAsync()
    {
        foreach (var newest in await redis.SortedSetRangeByRankAsync(_windowsIndex, 0, 0, Order.Descending))
        {
            var end = (long)newest;
            var entries = await redis.HashGetAllAsync(WindowKey(end));
            if (entries.Length == 0) return null;
            return new WindowStateCounts(DateTimeOffset.FromUnixTimeSeconds(end), entries
                .Select(e => ((string)e.Name!, (long)e.Value))
                .OrderByDescending(c => c.Item2).ThenBy(c => c.Item1, StringComparer.Ordinal)
                .ToList());
        }
        return null;
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
