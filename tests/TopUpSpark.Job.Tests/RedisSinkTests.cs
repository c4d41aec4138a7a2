using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using StackExchange.Redis;
using TopUpSpark.Core.Messages;
using TopUpSpark.Serving;
using TopUpSpark.Streaming.Rows;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Job.Tests;

/// <summary>The job's Redis sink against a real Redis: latest prediction per customer, counts per window, idempotent per batch.</summary>
[NonParallelizable]
public class RedisSinkTests
{
    private static readonly DateTimeOffset Window = new(2026, 12, 3, 10, 0, 30, TimeSpan.Zero);
    private static readonly RowSchema Scored = new(
    [
        ("ID", ColumnKind.String), ("window_start", ColumnKind.Timestamp), ("window_end", ColumnKind.Timestamp), ("ts", ColumnKind.Timestamp),
        ("State", ColumnKind.String), ("prediction", ColumnKind.Double), ("probability", ColumnKind.Double),
    ]);

    private RedisServer _redis = null!;

    [OneTimeSetUp]
    public async Task Start() => _redis = await RedisServer.StartAsync();

    [OneTimeTearDown]
    public void Stop() => _redis.Dispose();

    private static object?[] Row(string id, DateTimeOffset windowEnd, int secondsBeforeEnd, string state, double prediction, double probability) =>
        [id, windowEnd.AddSeconds(-30), windowEnd, windowEnd.AddSeconds(-secondsBeforeEnd), state, prediction, probability];

    private (RedisPredictionSink Sink, RedisPredictionStore Store) NewSink(string prefix, TimeSpan? ttl = null)
    {
        var store = new RedisPredictionStore(_redis.Connection.GetDatabase(), prefix, ttl);
        return (new RedisPredictionSink(store, "model@1", TimeProvider.System, NullLogger.Instance, "ID", "ts", "State"), store);
    }

    /// <summary>Every key under the prefix with its whole content (hash, set or sorted set), for comparing Redis before and after.</summary>
    private async Task<SortedDictionary<string, string>> Snapshot(string prefix)
    {
        var server = _redis.Connection.GetServer(_redis.Endpoint);
        var database = _redis.Connection.GetDatabase();
        var snapshot = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await foreach (var key in server.KeysAsync(pattern: prefix + "*"))
        {
            snapshot[key!] = await database.KeyTypeAsync(key) switch
            {
                RedisType.Hash => string.Join(",", (await database.HashGetAllAsync(key)).Select(e => $"{e.Name}={e.Value}").Order()),
                RedisType.Set => string.Join(",", (await database.SetMembersAsync(key)).Select(m => m.ToString()).Order()),
                RedisType.SortedSet => string.Join(",", (await database.SortedSetRangeByRankWithScoresAsync(key)).Select(e => $"{e.Element}:{e.Score}")),
                var type => type.ToString(),
            };
        }
        return snapshot;
    }

    [Test]
    public async Task A_replayed_batch_leaves_Redis_unchanged()
    {
        var (sink, store) = NewSink("replay:");
        var part = new BatchPart(Guid.NewGuid(), "TopUpSpark", 7, [0, 1, 2, 3]);
        object?[][] rows = [Row("A", Window, 10, "GUJARAT", 1, 0.9), Row("B", Window, 5, "ORISSA", 0, 0.2), Row("C", Window, 5, "GUJARAT", 1, 0.7)];
        sink.Write(rows, Scored, part);
        var written = await Snapshot("replay:");
        Assert.That(written.Keys, Does.Contain("replay:prediction:A").And.Contain("replay:windows"));

        await Task.Delay(20); // a replay scores at another time: were it written again, scored_at would differ
        sink.Write(rows, Scored, part);
        Assert.That(await Snapshot("replay:"), Is.EqualTo(written));
        Assert.That((await store.LatestWindowAsync())!.Counts, Is.EquivalentTo(new[] { ("GUJARAT", 2L) }), "the replay did not add its counts again");
    }

    [Test]
    public async Task Each_customer_keeps_its_latest_prediction_and_an_older_batch_does_not_overwrite_a_newer()
    {
        var (sink, store) = NewSink("latest:");
        var query = Guid.NewGuid();
        var later = Window.AddSeconds(30);
        // One batch with two windows of A: the later window is A's latest.
        sink.Write([Row("A", Window, 3, "GUJARAT", 0, 0.1), Row("A", later, 20, "GUJARAT", 1, 0.95)], Scored, new BatchPart(query, "q", 4, [1]));
        Assert.That(await store.GetAsync("A"), Has.Property("WindowEnd").EqualTo(later).And.Property("Probability").EqualTo(0.95).And.Property("ModelId").EqualTo("model@1"));

        sink.Write([Row("A", Window, 1, "GUJARAT", 0, 0.3)], Scored, new BatchPart(query, "q", 3, [1]));
        Assert.That((await store.GetAsync("A"))!.Probability, Is.EqualTo(0.95), "batch 3 comes before batch 4");

        sink.Write([Row("A", later.AddSeconds(30), 2, "GUJARAT", 0, 0.4)], Scored, new BatchPart(query, "q", 5, [1]));
        Assert.That((await store.GetAsync("A"))!.Probability, Is.EqualTo(0.4));

        // A new checkpoint (another query id) starts its batch ids again: its writes count.
        sink.Write([Row("A", later.AddSeconds(60), 2, "GUJARAT", 1, 0.6)], Scored, new BatchPart(Guid.NewGuid(), "q", 0, [1]));
        Assert.That((await store.GetAsync("A"))!.Probability, Is.EqualTo(0.6));
    }

    [Test]
    public async Task Window_counts_add_up_the_parts_of_every_instance_and_batch()
    {
        var (sink, store) = NewSink("parts:");
        var query = Guid.NewGuid();
        sink.Write([Row("A", Window, 3, "GUJARAT", 1, 0.8)], Scored, new BatchPart(query, "q", 2, [0, 1]));
        sink.Write([Row("B", Window, 3, "GUJARAT", 1, 0.8), Row("C", Window, 3, "KERALA", 1, 0.8)], Scored, new BatchPart(query, "q", 2, [2, 3]));
        sink.Write([Row("D", Window, 1, "KERALA", 1, 0.8), Row("E", Window, 1, "KERALA", 0, 0.1)], Scored, new BatchPart(query, "q", 3, [0, 1]));
        var latest = await store.LatestWindowAsync();
        Assert.That(latest!.WindowEnd, Is.EqualTo(Window));
        Assert.That(latest.Counts, Is.EqualTo(new[] { ("GUJARAT", 2L), ("KERALA", 2L) }));
    }

    [Test]
    public async Task Predictions_expire_after_the_ttl()
    {
        var (sink, _) = NewSink("ttl:", TimeSpan.FromMinutes(10));
        sink.Write([Row("A", Window, 3, "GUJARAT", 1, 0.8)], Scored, new BatchPart(Guid.NewGuid(), "q", 1, [0]));
        var ttl = await _redis.Connection.GetDatabase().KeyTimeToLiveAsync("ttl:prediction:A");
        Assert.That(ttl, Is.Not.Null.And.InRange(TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10)));
    }
}
