using System.Net;
using System.Text.Json.Nodes;
using NUnit.Framework;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Serving;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Api.Tests;

/// <summary>GET /v1/customers/{id}/prediction and /v1/windows/latest read what the job's Redis store holds.</summary>
[NonParallelizable]
public class LookupTests
{
    private EmbeddedKafkaCluster _cluster = null!;
    private RedisServer _redis = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _cluster = EmbeddedKafkaCluster.Start(topics: Topics.All, partitions: 4);
        _redis = await RedisServer.StartAsync();
    }

    [OneTimeTearDown]
    public void Stop()
    {
        _redis.Dispose();
        _cluster.Dispose();
    }

    private Task<TopUpApi> StartApi(string prefix, int rateLimit = 100_000) =>
        TopUpApi.StartAsync(new ApiOptions { Listen = "http://127.0.0.1:0", Redis = _redis.Endpoint, RedisKeyPrefix = prefix, RateLimit = rateLimit },
            new KafkaSettings(_cluster.BootstrapServers), CancellationToken.None);

    [Test]
    public async Task A_stored_prediction_is_served_and_an_unknown_customer_is_404()
    {
        var store = new RedisPredictionStore(_redis.Connection.GetDatabase(), "lookup:", timeToLive: null);
        var window = new DateTimeOffset(2026, 12, 3, 10, 0, 30, TimeSpan.Zero);
        var prediction = new CustomerPrediction("C-42", 0.8125, 1, "course.model@abc", window.AddSeconds(-30), window, window.AddSeconds(-12), window.AddSeconds(7.25));
        await store.WriteAsync([prediction], [new WindowStateCounts(window, [("GUJARAT", 2), ("ORISSA", 5)])], new WritingBatch(Guid.NewGuid(), 3, [0, 1]));
        await using var api = await StartApi("lookup:");
        using var http = new HttpClient { BaseAddress = api.Address };

        using var found = await http.GetAsync("/v1/customers/C-42/prediction");
        Assert.That(found.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(found.Headers.TransferEncodingChunked, Is.Not.True, "a Content-Length: HTTP/1.0 clients (ab) keep the connection alive only then");
        var served = JsonNode.Parse(await found.Content.ReadAsStringAsync())!;
        Assert.That(served["id"]!.GetValue<string>(), Is.EqualTo("C-42"));
        Assert.That(served["probability"]!.GetValue<double>(), Is.EqualTo(0.8125));
        Assert.That(served["prediction"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(served["modelId"]!.GetValue<string>(), Is.EqualTo("course.model@abc"));
        Assert.That(served["windowStart"]!.GetValue<DateTimeOffset>(), Is.EqualTo(window.AddSeconds(-30)));
        Assert.That(served["windowEnd"]!.GetValue<DateTimeOffset>(), Is.EqualTo(window));
        Assert.That(served["ts"]!.GetValue<DateTimeOffset>(), Is.EqualTo(window.AddSeconds(-12)));
        Assert.That(served["scoredAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(window.AddSeconds(7.25)));

        using var unknown = await http.GetAsync("/v1/customers/nobody/prediction");
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(unknown.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));

        var latest = JsonNode.Parse(await http.GetStringAsync("/v1/windows/latest"))!;
        Assert.That(latest["windowEnd"]!.GetValue<DateTimeOffset>(), Is.EqualTo(window));
        Assert.That(latest["total"]!.GetValue<long>(), Is.EqualTo(7));
        Assert.That(latest["counts"]!.AsArray().Select(c => $"{c!["state"]}={c["count"]}"), Is.EqualTo(new[] { "ORISSA=5", "GUJARAT=2" }));
    }

    [Test]
    public async Task The_latest_window_is_404_until_the_job_wrote_one()
    {
        await using var api = await StartApi("empty:");
        using var http = new HttpClient { BaseAddress = api.Address };
        using var response = await http.GetAsync("/v1/windows/latest");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Requests_over_the_rate_limit_get_429()
    {
        await using var api = await StartApi("limited:", rateLimit: 5);
        using var http = new HttpClient { BaseAddress = api.Address };
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await http.GetAsync("/v1/customers/x/prediction");
            statuses.Add(response.StatusCode);
        }
        Assert.That(statuses.Take(5), Is.All.EqualTo(HttpStatusCode.NotFound));
        Assert.That(statuses, Does.Contain(HttpStatusCode.TooManyRequests));
    }
}
