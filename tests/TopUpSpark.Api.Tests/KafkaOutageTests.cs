using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NUnit.Framework;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Schema;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Api.Tests;

/// <summary>
/// The embedded broker in its own process, frozen (SIGSTOP: connections open, nothing answers) while events are
/// posted: the API answers 503 within its delivery timeout, never 202; once the broker is back every event it
/// answered 202 for is in Kafka, where it said.
/// </summary>
[NonParallelizable]
public class KafkaOutageTests
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(2);

    [Test]
    public async Task Kafka_not_answering_gets_503_and_every_202_event_is_in_Kafka_once_it_is_back()
    {
        var work = RepositoryRoot.NewScratchDirectory("api-outage");
        using var broker = await BrokerProcess.StartAsync(work, Topics.All);
        using var redis = await RedisServer.StartAsync();
        var kafka = new KafkaSettings(broker.BootstrapServers);
        await using var api = await TopUpApi.StartAsync(
            new ApiOptions { Listen = "http://127.0.0.1:0", Redis = redis.Endpoint, DeliveryTimeout = DeliveryTimeout }, kafka, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = api.Address, Timeout = Waits.HangBound };
        var schema = TopUpSchema.Default;
        var acknowledged = new List<(string Id, int Partition, long Offset)>();

        async Task<HttpResponseMessage> Post(string id) => await http.PostAsJsonAsync("/v1/customers", Events.Valid(schema.Customer, id));
        async Task Acknowledged(HttpResponseMessage response)
        {
            var events = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["events"]!.AsArray();
            acknowledged.AddRange(events.Select(e => (e!["id"]!.GetValue<string>(), e["partition"]!.GetValue<int>(), e["offset"]!.GetValue<long>())));
        }

        for (var i = 0; i < 5; i++)
        {
            using var response = await Post($"before-{i}");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            await Acknowledged(response);
        }

        broker.Freeze();
        try
        {
            var clock = Stopwatch.StartNew();
            var during = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Post($"during-{i}")));
            foreach (var response in during)
            {
                var text = await response.Content.ReadAsStringAsync();
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), text);
                Assert.That(text, Does.Contain("did not acknowledge"));
                response.Dispose();
            }
            Assert.That(clock.Elapsed, Is.LessThan(DeliveryTimeout + TimeSpan.FromSeconds(20)), "answered within about the delivery timeout");
        }
        finally
        {
            broker.Resume();
        }

        // The client sends what got 503 again; once Kafka answers, it is taken.
        var deadline = DateTime.UtcNow + Waits.HangBound;
        for (var i = 0; i < 4; i++)
        {
            while (true)
            {
                using var response = await Post($"during-{i}");
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    await Acknowledged(response);
                    break;
                }
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
                Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "Kafka is back: the API must take events again");
            }
        }
        for (var i = 0; i < 5; i++)
        {
            using var response = await Post($"after-{i}");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            await Acknowledged(response);
        }

        Assert.That(acknowledged, Has.Count.EqualTo(14));
        foreach (var (id, partition, offset) in acknowledged)
            Assert.That(Events.At(kafka, Topics.Customer, partition, offset).Message.Key, Is.EqualTo(id), $"{id} at [{partition}]@{offset}");
        Directory.Delete(work, recursive: true);
    }
}
