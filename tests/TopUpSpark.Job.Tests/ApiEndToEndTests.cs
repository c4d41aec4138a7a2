using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using TopUpSpark.Api;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Schema;
using TopUpSpark.Producer;
using TopUpSpark.Producer.DataGeneration;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Job.Tests;

/// <summary>
/// Events posted through topup-api flow through the job (embedded broker, real Redis) to predictions the API
/// serves: the same probability and prediction the job wrote to its predictions parquet, for the customer's window.
/// </summary>
[NonParallelizable]
public class ApiEndToEndTests
{
    [Test]
    public async Task Events_posted_through_the_API_come_back_as_predictions_through_the_API()
    {
        var work = RepositoryRoot.NewScratchDirectory("api-e2e");
        var modelFile = await JobTestBed.ImportCourseModel(work);
        var data = Path.Combine(work, "data");
        DataGenerator.Generate(new GeneratorOptions { Customers = 400, Seed = 3, OutputDirectory = data });
        var schema = TopUpSchema.Default;
        var input = TopUpInput.LoadDirectory(data, schema);
        // The API refuses a value the job would cast to null (e.g. an amount reading "Unknown"): these customers have none.
        bool Clean(JsonObject row, DatasetSchema dataset) =>
            dataset.Columns.All(c => ValueCaster.Cast(c, row[c.Name]!.GetValue<string>(), out _) != CastStatus.Invalid);
        // The producer's own message of the row, posted as the event.
        JsonObject Event(PreparedRow row, long ts) => JsonNode.Parse(row.Message(ts))!.AsObject();
        var ts = new DateTimeOffset(2026, 11, 25, 0, 0, 10, TimeSpan.Zero).ToUnixTimeSeconds();
        var customers = input.Customers
            .Where(c => input.BureauRowsOf(c.Id).Count > 0)
            .Where(c => Clean(Event(c, ts), schema.Customer) && input.BureauRowsOf(c.Id).All(b => Clean(Event(b, ts), schema.Bureau)))
            .Take(30).ToList();
        Assert.That(customers, Has.Count.EqualTo(30));

        using var cluster = EmbeddedKafkaCluster.Start(topics: Topics.All, partitions: 4);
        var kafka = new KafkaSettings(cluster.BootstrapServers);
        using var redis = await RedisServer.StartAsync();
        await using var api = await TopUpApi.StartAsync(new ApiOptions { Listen = "http://127.0.0.1:0", Redis = redis.Endpoint }, kafka, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = api.Address };

        using (var posted = await http.PostAsJsonAsync("/v1/customers", new JsonArray(customers.Select(c => (JsonNode)Event(c, ts)).ToArray())))
            Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await posted.Content.ReadAsStringAsync());
        // One bureau row per request, as a client streaming rows would send them.
        foreach (var row in customers.SelectMany(c => input.BureauRowsOf(c.Id)))
        {
            using var posted = await http.PostAsJsonAsync("/v1/bureau", Event(row, ts));
            Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await posted.Content.ReadAsStringAsync());
        }
        using (var before = await http.GetAsync($"/v1/customers/{customers[0].Id}/prediction"))
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "nothing is scored yet");

        var options = new TopUpJobOptions
        {
            OutputDirectory = Path.Combine(work, "out"),
            ModelFile = modelFile,
            Trigger = new Trigger.AvailableNow(),
            FlushAtEnd = true,
            Redis = redis.Endpoint,
        };
        var summary = await TopUpJob.RunAsync(options, kafka, NullLoggerFactory.Instance, CancellationToken.None);
        Assert.That(summary.Failed, Is.False, summary.Error);
        Assert.That(summary.ScoredRows, Is.EqualTo(customers.Count), "every posted customer joined its bureau window and was scored");

        var scored = ParquetRows.ReadFolder(options.PredictionsDirectory).ToDictionary(r => (string)r["ID"]!);
        var modelId = TopUpJob.ModelId(modelFile);
        foreach (var customer in customers)
        {
            using var response = await http.GetAsync($"/v1/customers/{customer.Id}/prediction");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), customer.Id);
            var served = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            var row = scored[customer.Id];
            Assert.That(served["probability"]!.GetValue<double>(), Is.EqualTo((double)row["probability"]!), customer.Id);
            Assert.That(served["prediction"]!.GetValue<int>(), Is.EqualTo((int)(double)row["prediction"]!), customer.Id);
            Assert.That(served["modelId"]!.GetValue<string>(), Is.EqualTo(modelId));
            Assert.That(served["windowEnd"]!.GetValue<DateTimeOffset>(), Is.EqualTo(row["window_end"]));
            Assert.That(served["ts"]!.GetValue<DateTimeOffset>(), Is.EqualTo(DateTimeOffset.FromUnixTimeSeconds(ts)));
        }

        var topUps = scored.Values.Count(r => (double)r["prediction"]! == 1.0);
        Assert.That(topUps, Is.GreaterThan(0), "the data must have predicted top-ups for the window counts to show");
        var latest = JsonNode.Parse(await http.GetStringAsync("/v1/windows/latest"))!;
        Assert.That(latest["windowEnd"]!.GetValue<DateTimeOffset>(), Is.EqualTo(scored.Values.Max(r => (DateTimeOffset)r["window_end"]!)));
        Assert.That(latest["total"]!.GetValue<long>(), Is.EqualTo(topUps));
        Directory.Delete(work, recursive: true);
    }
}
