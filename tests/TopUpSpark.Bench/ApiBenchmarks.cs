using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Schema;
using TopUpSpark.Serving;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Bench;

/// <summary>
/// <c>api-ingest</c>: Apache Bench (<c>ab -k -c 32</c>) POSTs one customer event per request to topup-api (its own
/// process) on the embedded broker and a real Redis; afterwards the events in Kafka are counted, and every event
/// the API answered 202 for must be there.
/// </summary>
public sealed class ApiIngestBenchmark : IBenchmark
{
    public string Name => "api-ingest";

    public string Description => "ab -k -c 32 -n 100000 POSTs of single customer events to topup-api (embedded broker, real Redis), three rounds: median req/s and p99, acknowledged events found in Kafka";

    public async Task<JsonObject> RunAsync(BenchContext context, CancellationToken cancel)
    {
        await using var api = await ApiUnderLoad.StartAsync(context);
        var body = Path.Combine(context.WorkDirectory, "customer-event.json");
        var item = new JsonObject();
        foreach (var column in TopUpSchema.Default.Customer.Columns)
            item[column.Name] = column.Type switch { ColumnType.Number => "1,20,000", ColumnType.Flag => "TRUE", ColumnType.Date => "2019-03-14", _ => $"bench {column.Name}" };
        item["ID"] = "424242";
        await File.WriteAllTextAsync(body, item.ToJsonString(), cancel);
        var url = new Uri(api.Address, "/v1/customers").ToString();

        var before = api.CountInKafka(Topics.Customer);
        var rounds = await ApacheBench.RunRoundsAsync(context, url, body, cancel);
        // The warm-up's events are in Kafka too: every answered 202 must be, warm-up or measured.
        var inKafka = api.CountInKafka(Topics.Customer) - before;
        var acknowledged = rounds.WarmUp.Acknowledged + rounds.Measured.Sum(r => r.Acknowledged);
        context.Log($"{inKafka} events in Kafka for {acknowledged} acknowledged (warm-up included)");
        var result = rounds.ToJson();
        result["acknowledged_with_warm_up"] = acknowledged;
        result["events_in_kafka"] = inKafka;
        result["every_acknowledged_event_in_kafka"] = inKafka >= acknowledged;
        return result;
    }

    public IEnumerable<ReportRow> Report(JsonObject result) =>
    [
        ApacheBench.Rate(result, "topup-api ingest, single events, ab -k -c 32", 10_000),
        ApacheBench.P99(result, "topup-api ingest p99", 20),
        new("acknowledged (202) events found in Kafka afterwards",
            $"{Figures.Whole(result["events_in_kafka"])} in Kafka for {Figures.Whole(result["acknowledged_with_warm_up"])} acknowledged (warm-up included)",
            "all", result["every_acknowledged_event_in_kafka"]!.GetValue<bool>()),
    ];
}

/// <summary><c>api-lookup</c>: Apache Bench GETs of a known customer's latest prediction from topup-api, served from Redis.</summary>
public sealed class ApiLookupBenchmark : IBenchmark
{
    public string Name => "api-lookup";

    public string Description => "ab -k -c 32 -n 100000 GETs of a known customer's prediction from topup-api (Redis holding 100,000 customers' predictions), three rounds: median req/s and p99";

    public async Task<JsonObject> RunAsync(BenchContext context, CancellationToken cancel)
    {
        await using var api = await ApiUnderLoad.StartAsync(context);
        var customers = context.Quick ? 10_000 : 100_000;
        var store = new RedisPredictionStore(api.Redis.GetDatabase(), "topup:", timeToLive: null);
        var window = DateTimeOffset.UtcNow;
        var query = Guid.NewGuid();
        foreach (var chunk in Enumerable.Range(0, customers).Chunk(5_000))
            await store.WriteAsync(chunk.Select(i => new CustomerPrediction(i.ToString(CultureInfo.InvariantCulture), i % 100 / 100.0, i % 2, "bench.model@0",
                window.AddSeconds(-30), window, window.AddSeconds(-10), window)).ToList(), [], new WritingBatch(query, 1, [0]));
        var url = new Uri(api.Address, $"/v1/customers/{customers / 2}/prediction").ToString();

        var result = (await ApacheBench.RunRoundsAsync(context, url, body: null, cancel)).ToJson();
        result["customers_in_redis"] = customers;
        return result;
    }

    public IEnumerable<ReportRow> Report(JsonObject result) =>
    [
        ApacheBench.Rate(result, "topup-api lookup of a known ID, ab -k -c 32", 20_000),
        ApacheBench.P99(result, "topup-api lookup p99", 5),
    ];
}

/// <summary>topup-api as users run it (its own process) on the embedded broker (in the benchmark's process) and a redis-server of its own.</summary>
internal sealed class ApiUnderLoad : IAsyncDisposable
{
    private readonly EmbeddedKafkaCluster _cluster;
    private readonly RedisServer _redis;
    private readonly ProgramProcess _api;

    private ApiUnderLoad(EmbeddedKafkaCluster cluster, RedisServer redis, ProgramProcess api, Uri address)
    {
        _cluster = cluster;
        _redis = redis;
        _api = api;
        Address = address;
    }

    public Uri Address { get; }
    public StackExchange.Redis.ConnectionMultiplexer Redis => _redis.Connection;

    public static async Task<ApiUnderLoad> StartAsync(BenchContext context)
    {
        var cluster = EmbeddedKafkaCluster.Start(topics: Topics.All, partitions: 4);
        var redis = await RedisServer.StartAsync();
        var api = ProgramProcess.Start(ProgramProcess.Dll("api", "topup-api"), Path.Combine(context.WorkDirectory, "api.log"),
            ["--listen", "http://127.0.0.1:0", "--redis", redis.Endpoint, "--bootstrap-servers", cluster.BootstrapServers]);
        var listening = await api.WaitForLineAsync(l => l.Contains("topup-api listening on ", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var address = new Uri(Regex.Match(listening, @"listening on (http://[^/\s]+/)").Groups[1].Value);
        context.Log($"topup-api at {address}, embedded broker {cluster.BootstrapServers}, redis-server {redis.Endpoint}");
        return new ApiUnderLoad(cluster, redis, api, address);
    }

    /// <summary>How many messages the topic holds (the sum of its partitions' high watermarks).</summary>
    public long CountInKafka(string topic)
    {
        var kafka = new KafkaSettings(_cluster.BootstrapServers);
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(kafka.Consumer("bench-count", "bench-count-" + Guid.NewGuid())).Build();
        return Enumerable.Range(0, 4).Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(30)).High.Value);
    }

    public async ValueTask DisposeAsync()
    {
        _api.Signal(ProgramProcess.SigTerm);
        await _api.WaitForExitAsync(TimeSpan.FromSeconds(30));
        _api.Dispose();
        _redis.Dispose();
        _cluster.Dispose();
    }
}

/// <summary>Debian's Apache Bench (apache2-utils) as a process, and what its report says.</summary>
internal sealed partial record ApacheBench(long Complete, long NonSuccess, long Broken, long KeptAlive, double RequestsPerSecond, double P50Ms, double P99Ms, double MaxMs)
{
    public const int Concurrency = 32;
    // A server runs for hours: the measured run starts once its code is compiled to its optimised tier.
    public const int WarmUpRequests = 20_000;

    /// <summary>
    /// Measured rounds after the warm-up. On this shared 2-core VM single rounds of one build gave 16,500 to 24,700
    /// lookups/s, so a single round says little; the published rate and p99 are the medians of the rounds'.
    /// </summary>
    public const int Rounds = 3;

    public static int Requests(BenchContext context) => context.Quick ? 20_000 : 100_000;

    /// <summary>A warm-up, then <see cref="Rounds"/> measured rounds of <see cref="Requests"/> each, against one running API.</summary>
    public static async Task<ApacheBenchRounds> RunRoundsAsync(BenchContext context, string url, string? body, CancellationToken cancel)
    {
        var warmUp = await RunAsync(context, WarmUpRequests, url, body, cancel);
        context.Log($"warm-up: {warmUp}");
        var measured = new List<ApacheBench>();
        for (var round = 1; round <= Rounds; round++)
        {
            measured.Add(await RunAsync(context, Requests(context), url, body, cancel));
            context.Log($"round {round}: {measured[^1]}");
        }
        return new ApacheBenchRounds(warmUp, measured);
    }

    /// <summary>Requests answered 2xx: for the ingest, events Kafka acknowledged.</summary>
    public long Acknowledged => Complete - NonSuccess - Broken;

    public static async Task<ApacheBench> RunAsync(BenchContext context, int requests, string url, string? body, CancellationToken cancel)
    {
        var percentiles = Path.Combine(context.WorkDirectory, "percentiles.csv");
        var info = new ProcessStartInfo("ab") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["-k", "-c", Concurrency.ToString(CultureInfo.InvariantCulture), "-n", requests.ToString(CultureInfo.InvariantCulture), "-e", percentiles])
            info.ArgumentList.Add(argument);
        if (body is not null)
        {
            info.ArgumentList.Add("-T");
            info.ArgumentList.Add("application/json");
            info.ArgumentList.Add("-p");
            info.ArgumentList.Add(body);
        }
        info.ArgumentList.Add(url);
        Process ab;
        try
        {
            ab = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("ab is not installed: scripts/bench.sh installs Debian's apache2-utils", e);
        }
        using (ab)
        {
            var error = ab.StandardError.ReadToEndAsync(cancel);
            var output = await ab.StandardOutput.ReadToEndAsync(cancel);
            await ab.WaitForExitAsync(cancel);
            if (ab.ExitCode != 0) throw new InvalidOperationException($"ab failed ({ab.ExitCode}): {await error}\n{output}");
            await File.WriteAllTextAsync(Path.Combine(context.WorkDirectory, $"ab-{requests}.txt"), output, cancel);
            long Field(string name) => Regex.Match(output, $@"{Regex.Escape(name)}:\s+(\d+)") is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            // ab counts an answer whose length differs from the first one's as failed; the ingest's offsets differ in length, so only
            // connection, receive and exception failures count as broken.
            var broken = Field("Connect") + Field("Receive") + Field("Exceptions");
            var rate = double.Parse(RateLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
            var table = (await File.ReadAllLinesAsync(percentiles, cancel)).Skip(1)
                .Select(l => l.Split(','))
                .ToDictionary(p => int.Parse(p[0], CultureInfo.InvariantCulture), p => double.Parse(p[1], CultureInfo.InvariantCulture));
            return new ApacheBench(Field("Complete requests"), Field("Non-2xx responses"), broken, Field("Keep-Alive requests"), rate, table[50], table[99], table[100]);
        }
    }

    [GeneratedRegex(@"Requests per second:\s+([\d.]+)")]
    private static partial Regex RateLine();

    public JsonObject ToJson() => new()
    {
        ["requests"] = Complete,
        // Requests ab sent on a kept-alive connection: all of them, unless the API's answers close connections.
        ["kept_alive_requests"] = KeptAlive,
        ["requests_per_s"] = Math.Round(RequestsPerSecond),
        ["p50_ms"] = P50Ms,
        ["p99_ms"] = P99Ms,
        ["max_ms"] = MaxMs,
        ["non_2xx"] = NonSuccess,
        ["broken"] = Broken,
    };

    public override string ToString() => FormattableString.Invariant(
        $"{Complete} requests: {RequestsPerSecond:F0} req/s, p50 {P50Ms} ms, p99 {P99Ms} ms, max {MaxMs} ms; {NonSuccess} non-2xx, {Broken} broken, {KeptAlive} kept alive");

    public static ReportRow Rate(JsonObject result, string what, double target)
    {
        var rate = Figures.Number(result["requests_per_s"]!["median"]);
        return new ReportRow(what, $"{Figures.Spread(result["requests_per_s"], Figures.Whole)} req/s ({Figures.Whole(result["non_2xx"])} non-2xx)",
            $"≥ {target.ToString("N0", CultureInfo.InvariantCulture)} req/s", rate >= target && Figures.Number(result["non_2xx"]) == 0);
    }

    public static ReportRow P99(JsonObject result, string what, double targetMs)
    {
        var p99 = Figures.Number(result["p99_ms"]!["median"]);
        return new ReportRow(what, $"{Figures.Spread(result["p99_ms"], Figures.Decimal)} ms (p50: median {Figures.Decimal(result["p50_ms"]!["median"])} ms)",
            $"≤ {targetMs} ms", p99 <= targetMs);
    }
}

/// <summary>The warm-up and the measured rounds of <see cref="ApacheBench.RunRoundsAsync"/>: medians of the rounds, each round, and the totals.</summary>
internal sealed record ApacheBenchRounds(ApacheBench WarmUp, IReadOnlyList<ApacheBench> Measured)
{
    public JsonObject ToJson() => new()
    {
        ["concurrency"] = ApacheBench.Concurrency,
        ["rounds"] = Measured.Count,
        ["requests_per_round"] = Measured[0].Complete,
        ["requests_per_s"] = Spread.Of(Measured, r => r.RequestsPerSecond).ToJson(),
        ["p50_ms"] = Spread.Of(Measured, r => r.P50Ms).ToJson(3),
        ["p99_ms"] = Spread.Of(Measured, r => r.P99Ms).ToJson(3),
        ["max_ms"] = Measured.Max(r => r.MaxMs),
        // Over all measured rounds; kept alive should equal the requests: else the API's answers close connections.
        ["kept_alive_requests"] = Measured.Sum(r => r.KeptAlive),
        ["non_2xx"] = Measured.Sum(r => r.NonSuccess),
        ["broken"] = Measured.Sum(r => r.Broken),
        ["each_round"] = new JsonArray(Measured.Select(r => (JsonNode)r.ToJson()).ToArray()),
        ["warm_up"] = WarmUp.ToJson(),
    };
}
