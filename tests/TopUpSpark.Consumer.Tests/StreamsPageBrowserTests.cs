using System.Net;
using NUnit.Framework;
using TopUpSpark.Consumer.Streams;
using TopUpSpark.Consumer.Tests.Support;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.TestSupport;
using TopUpSpark.Web.Map;

namespace TopUpSpark.Consumer.Tests;

/// <summary>
/// The streams page as a user reaches it: from the map's link, on the same server, with its lines growing
/// as records arrive — the embedded broker, the consumer as the program runs it, headless Chromium.
/// </summary>
[NonParallelizable]
public class StreamsPageBrowserTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Test]
    public async Task The_map_links_the_streams_page_whose_lines_grow_as_records_arrive_without_a_reload()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: [Topics.TopUpByState, Topics.Customer, Topics.Bureau]);
        var (loggers, _) = CapturingLoggerProvider.CreateFactory();
        using var loggerFactory = loggers;
        var settings = new KafkaSettings(cluster.BootstrapServers);
        var options = new ConsumerOptions(settings, Topics.TopUpByState, IPAddress.Loopback, Port: 0, Serve: true,
            HtmlPath: null, Text: false, History: 30, MaxWindowAhead: ConsumerOptions.DefaultMaxWindowAhead, StateAliasesPath: StateAliasTable.DefaultPath)
        {
            Streams = new StreamCountsOptions([Topics.Customer, Topics.Bureau], "State", TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(1)),
        };
        using var stop = new CancellationTokenSource();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = Task.Run(() => ConsumerApp.RunAsync(options, loggers, stop.Token, listening.SetResult));
        try
        {
            var address = await listening.Task.WaitAsync(Patience);
            await DashboardFeed.WaitUntilReadyAsync(address, Patience, "api/streams");

            await using var browser = await HeadlessChromium.LaunchAsync(1600, 1000);
            await browser.NavigateAsync(address.ToString());
            await browser.WaitForAsync("document.body.dataset.windowVersion === '0' && !document.getElementById('pages').hidden", Patience);
            var link = await browser.EvaluateAsync<string>("document.getElementById('streams-link').href");
            Assert.That(link, Is.EqualTo(new Uri(address, "streams").ToString()), "the map links the streams page on its own server");

            await browser.NavigateAsync(link);
            await browser.WaitForAsync("document.getElementById('per-bucket').data !== undefined && document.body.dataset.version !== undefined", Patience);
            await browser.EvaluateAsync("window.__loadedOnce = 'still here'; true");
            Assert.That(await browser.EvaluateAsync<bool>("document.getElementById('map-link').hidden"), Is.False, "and the streams page links back to the map");

            // With 1 s buckets a record stamped with the current second is late once it is read in the next second:
            // the on-time records are stamped ahead, the late ones an hour back.
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            DashboardFeed.PublishTo(settings, Topics.Customer, Enumerable.Range(0, 7).Select(i =>
                DashboardFeed.Message($"{i}", $$"""{"ID":"{{i}}","State":"{{(i < 4 ? "GUJARAT" : "KERALA")}}","ts":"{{now + 600}}"}""")));
            DashboardFeed.PublishTo(settings, Topics.Bureau, Enumerable.Range(0, 3).Select(i =>
                DashboardFeed.Message($"{i}", $$"""{"ID":"{{i}}","ts":"{{now - 3600}}"}""")));
            await browser.WaitForAsync($"{LineTotal("customer")} === 7 && {LineTotal("bureau")} === 3", Patience);
            var firstPoints = await browser.EvaluateAsync<int>($"{Line("customer")}.x.length");
            Assert.That(await browser.EvaluateAsync<long>(LineTotal("customer · GUJARAT")), Is.EqualTo(4));
            Assert.That(await browser.EvaluateAsync<long>(LineTotal("customer · KERALA")), Is.EqualTo(3));
            Assert.That(await browser.EvaluateAsync<long>(LineTotal("bureau · late")), Is.EqualTo(3), "records an hour old are marked late");
            Assert.That(await browser.EvaluateAsync<string>("document.getElementById('kpi-window').textContent"), Is.EqualTo("10"));
            Assert.That(await browser.EvaluateAsync<string>("document.getElementById('kpi-late').textContent"), Is.EqualTo("3"));
            await browser.SaveScreenshotAsync("streams-first.png", "the streams page after the first records");

            DashboardFeed.PublishTo(settings, Topics.Customer, Enumerable.Range(10, 5).Select(i =>
                DashboardFeed.Message($"{i}", $$"""{"ID":"{{i}}","State":"KERALA","ts":"{{now + 600}}"}""")));
            await browser.WaitForAsync($"{LineTotal("customer")} === 12 && {Line("customer")}.x.length > {firstPoints}", Patience);

            Assert.That(await browser.EvaluateAsync<string>("window.__loadedOnce"), Is.EqualTo("still here"), "the page updates in place, not by reloading");
            Assert.That(await browser.EvaluateAsync<long>(LineTotal("customer · KERALA")), Is.EqualTo(8));
            Assert.That(await browser.EvaluateAsync<long>($"Math.max(...{InWindowLine("customer")}.y)"), Is.EqualTo(12), "the last window holds every record");
            await browser.SaveScreenshotAsync("streams-live.png", "the streams page after more records");
            Assert.That(browser.Problems, Is.Empty, "console errors or Content-Security-Policy reports");
        }
        finally
        {
            await stop.CancelAsync();
            Assert.That(await consumer.WaitAsync(Patience), Is.Zero, "the consumer stops cleanly when cancelled");
        }
    }

    private static string Line(string name) => $"document.getElementById('per-bucket').data.find(d => d.name === '{name}')";

    private static string InWindowLine(string name) => $"document.getElementById('in-window').data.find(d => d.name === '{name}')";

    private static string LineTotal(string name) => $"(({Line(name)} || {{ y: [] }}).y.reduce((a, b) => a + b, 0))";
}
