using System.Diagnostics;
using System.Globalization;
using System.Net;
using NUnit.Framework;
using TopUpSpark.Consumer.Tests.Support;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Messages;
using TopUpSpark.TestSupport;
using TopUpSpark.Web.Map;

namespace TopUpSpark.Consumer.Tests;

/// <summary>
/// The dashboard as a user sees it: the embedded broker, the consumer (in this process, as the
/// program runs it) and headless Chromium driven over the DevTools protocol.
/// </summary>
[NonParallelizable]
public class DashboardBrowserTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private const string XssStateName = "<img src=x onerror=alert(1)>";

    [Test]
    public async Task The_live_map_shows_each_new_window_without_reloading_the_page()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: [Topics.TopUpByState]);
        var (loggers, logs) = CapturingLoggerProvider.CreateFactory();
        using var loggerFactory = loggers;
        var scratch = RepositoryRoot.NewScratchDirectory("dashboard");
        var snapshotFile = Path.Combine(scratch, "dashboard.html");
        var settings = new KafkaSettings(cluster.BootstrapServers);
        await using (var dashboard = await LiveDashboard.StartAsync(settings, loggers, snapshotFile))
        {
            var address = dashboard.Address;

            await using var browser = await HeadlessChromium.LaunchAsync(1600, 1000);
            await browser.NavigateAsync(address.ToString());
            await browser.WaitForAsync(
                "document.body.dataset.windowVersion === '0' && document.querySelectorAll('#map path.choroplethlocation').length === 36", Patience);
            await browser.EvaluateAsync("window.__loadedOnce = 'still here'; window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m)); true");

            var published = Stopwatch.StartNew();
            DashboardFeed.Publish(settings, DashboardFeed.Message("2024-05-01 10:00:30",
                """[{"State":"GUJARAT","count":3},{"State":"ORISSA","count":5},{"State":"MAHARASHTRA","count":2},{"State":"<img src=x onerror=alert(1)>","count":1}]"""));
            await browser.WaitForAsync("document.body.dataset.windowVersion === '1'", Patience);
            TestContext.Out.WriteLine($"first window on the page {published.ElapsedMilliseconds} ms after it was published");

            Assert.That(await TableRows(browser), Is.EqualTo(new[] { "Odisha=5", "Gujarat=3", "Maharashtra=2" }));
            Assert.That(await MapCounts(browser), Is.EqualTo(new Dictionary<string, long> { ["Odisha"] = 5, ["Gujarat"] = 3, ["Maharashtra"] = 2 }));
            var labels = await browser.EvaluateAsync<string[]>("Array.from(document.querySelectorAll('#map .scattergeo text')).map(t => t.textContent)");
            Assert.That(labels, Is.SupersetOf(new[] { "Odisha5", "Gujarat3" }), "state name and count as labels on the map");
            var title = await browser.EvaluateAsync<string>("document.querySelector('#map .gtitle').textContent");
            Assert.That(title, Does.Contain("2024-05-01 10:00:30 UTC").And.Contain("total 11"));

            // The state named like an HTML tag is listed as text, counted, and runs nothing.
            var unmatched = await browser.EvaluateAsync<string[]>("Array.from(document.querySelectorAll('#unmatched-list li')).map(li => li.textContent)");
            Assert.That(unmatched, Is.EqualTo(new[] { $"{XssStateName} — 1" }));
            Assert.That(await browser.EvaluateAsync<int>("document.images.length + document.querySelectorAll('#map img, img[src=x]').length"), Is.Zero);
            Assert.That(await browser.EvaluateAsync<string[]>("window.__alerts"), Is.Empty);
            Assert.That(logs.At(Microsoft.Extensions.Logging.LogLevel.Warning),
                Has.Some.Contains(XssStateName).And.Some.Contains("matches no region of the map"));
            await browser.SaveScreenshotAsync("dashboard-first-window.png", "the first window, with a state name that is not on the map");

            published.Restart();
            DashboardFeed.Publish(settings,
                DashboardFeed.Message("2024-05-01 10:01:00", """[{"State":"GUJARAT","count":7},{"State":"TAMIL NADU","count":4},{"State":"KERALA","count":6}]"""));
            await browser.WaitForAsync("document.body.dataset.windowVersion === '2'", Patience);
            TestContext.Out.WriteLine($"second window on the page {published.ElapsedMilliseconds} ms after it was published");

            Assert.That(await browser.EvaluateAsync<string>("window.__loadedOnce"), Is.EqualTo("still here"), "the page must update in place, not reload");
            Assert.That(await TableRows(browser), Is.EqualTo(new[] { "Gujarat=7", "Kerala=6", "Tamil Nadu=4" }));
            Assert.That(await MapCounts(browser), Is.EqualTo(new Dictionary<string, long> { ["Gujarat"] = 7, ["Kerala"] = 6, ["Tamil Nadu"] = 4 }));
            Assert.That(await browser.EvaluateAsync<long[]>("document.getElementById('history').data[0].y"), Is.EqualTo(new long[] { 11, 17 }));
            var historyRange = await browser.EvaluateAsync<string[]>("document.getElementById('history')._fullLayout.xaxis.range");
            var shown = historyRange.Select(t => DateTime.Parse(t, CultureInfo.InvariantCulture)).ToArray();
            Assert.That(shown[0] <= new DateTime(2024, 5, 1, 10, 0, 30) && shown[1] >= new DateTime(2024, 5, 1, 10, 1, 0),
                Is.True, $"the history chart's time axis shows both windows, but spans {string.Join(" to ", historyRange)}");
            Assert.That(await browser.EvaluateAsync<string>("document.getElementById('kpi-total').textContent"), Is.EqualTo("17"));
            Assert.That(await browser.EvaluateAsync<string>("document.getElementById('st-messages').textContent"), Does.StartWith("2 accepted"));
            Assert.That(await browser.EvaluateAsync<string>("document.getElementById('st-connected').textContent"), Is.EqualTo("connected"));

            await browser.SaveScreenshotAsync("dashboard-live.png", "the live dashboard after the second window");
            Assert.That(browser.Problems, Is.Empty, "console errors or Content-Security-Policy reports");

            await WaitForFile(snapshotFile, contains: "2024-05-01 10:01:00");
        }
    }

    [Test]
    public async Task The_map_keeps_one_colour_per_count_over_the_history_and_shows_the_jobs_late_drops_and_dead_letters()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: [Topics.TopUpByState, Topics.Progress]);
        var (loggers, _) = CapturingLoggerProvider.CreateFactory();
        using var loggerFactory = loggers;
        var settings = new KafkaSettings(cluster.BootstrapServers);
        await using (var dashboard = await LiveDashboard.StartAsync(settings, loggers, htmlPath: null))
        {
            await using var browser = await HeadlessChromium.LaunchAsync(1600, 1000);
            await browser.NavigateAsync(dashboard.Address.ToString());
            await browser.WaitForAsync("document.body.dataset.version !== undefined", Patience);

            // Before any window: no made-up date axis (plotly.js draws January to October 2000 for an empty date axis), a note instead.
            Assert.That(await browser.EvaluateAsync<int>("document.querySelectorAll('#history .xtick').length"), Is.Zero);
            Assert.That(await browser.EvaluateAsync<string>("document.querySelector('#history .annotation-text').textContent"), Does.StartWith("No window yet"));
            Assert.That(await browser.EvaluateAsync<string>("document.querySelector('.logo').textContent.trim()"), Is.Empty, "the logo is a drawing, no ▲ or ⚠ glyph");
            Assert.That(await browser.EvaluateAsync<string>("document.querySelector('.logo').tagName"), Is.EqualTo("svg"));
            Assert.That(await browser.EvaluateAsync<string>("document.getElementById('job-late').textContent"), Is.EqualTo("—"), "nothing reported yet");

            DashboardFeed.Publish(settings, DashboardFeed.Message("2024-05-01 10:00:30", """[{"State":"GUJARAT","count":7},{"State":"KERALA","count":4}]"""));
            await browser.WaitForAsync("document.body.dataset.windowVersion === '1'", Patience);
            var kerala = await FillOfCount(browser, 4);
            DashboardFeed.Publish(settings, DashboardFeed.Message("2024-05-01 10:01:00", """[{"State":"GUJARAT","count":4},{"State":"GOA","count":1}]"""));
            await browser.WaitForAsync("document.body.dataset.windowVersion === '2'", Patience);

            Assert.That(await browser.EvaluateAsync<double>("document.getElementById('map')._fullData.find(t => t.name === 'predicted top-ups').zmax"), Is.EqualTo(7),
                "the scale tops at the largest count of the shown history, not of this window");
            Assert.That(await FillOfCount(browser, 4), Is.EqualTo(kerala), "4 in this window has the colour 4 had in the window before");
            // The scale of this window alone is offered too, and the shown history's comes back.
            await browser.EvaluateAsync("document.getElementById('scale-window').click(); true");
            await browser.WaitForAsync("document.getElementById('map')._fullData.find(t => t.name === 'predicted top-ups').zmax === 4", Patience);
            Assert.That(await FillOfCount(browser, 4), Is.Not.EqualTo(kerala), "4 is now the darkest shade");
            await browser.EvaluateAsync("document.getElementById('scale-history').click(); true");
            await browser.WaitForAsync("document.getElementById('map')._fullData.find(t => t.name === 'predicted top-ups').zmax === 7", Patience);
            Assert.That(await FillOfCount(browser, 4), Is.EqualTo(kerala));
            Assert.That(await browser.EvaluateAsync<int>("document.querySelectorAll('#history .xtick').length"), Is.Positive, "the time axis once there are windows");

            DashboardFeed.PublishTo(settings, Topics.Progress, [Health(batch: 3, late: 5, deadLetters: 2), Health(batch: 4, late: 1, deadLetters: 0),
                Health(batch: 4, late: 1, deadLetters: 0)]);
            await browser.WaitForAsync("document.getElementById('job-late').textContent === '6'", Patience);
            Assert.That(await browser.EvaluateAsync<string>("document.getElementById('job-dead').textContent"), Is.EqualTo("2"));
            Assert.That(await browser.EvaluateAsync<string>("document.getElementById('job-batches').textContent"), Does.StartWith("2 from 1 instance"),
                "the repeated batch 4 (a replay) is counted once");
            Assert.That(await browser.EvaluateAsync<string>("document.getElementById('job-late').className"), Is.EqualTo("warn"));
            await browser.SaveScreenshotAsync("dashboard-job-health.png", "the dashboard with the job's late drops and dead letters");
            Assert.That(browser.Problems, Is.Empty, "console errors or Content-Security-Policy reports");
        }
    }

    /// <summary>The consumer as the program runs it, in this process, serving the map on a free port; ready to read once started.</summary>
    private sealed class LiveDashboard : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop;
        private readonly Task<int> _run;

        private LiveDashboard(CancellationTokenSource stop, Task<int> run, Uri address)
        {
            _stop = stop;
            _run = run;
            Address = address;
        }

        public Uri Address { get; }

        public static async Task<LiveDashboard> StartAsync(KafkaSettings settings, Microsoft.Extensions.Logging.ILoggerFactory loggers, string? htmlPath)
        {
            var options = new ConsumerOptions(settings, Topics.TopUpByState, IPAddress.Loopback, Port: 0, Serve: true,
                HtmlPath: htmlPath, Text: false, History: 30, MaxWindowAhead: ConsumerOptions.DefaultMaxWindowAhead, StateAliasesPath: StateAliasTable.DefaultPath);
            var stop = new CancellationTokenSource();
            var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            var run = Task.Run(() => ConsumerApp.RunAsync(options, loggers, stop.Token, listening.SetResult));
            var started = new LiveDashboard(stop, run, await listening.Task.WaitAsync(Patience));
            await DashboardFeed.WaitUntilReadyAsync(started.Address, Patience);
            return started;
        }

        /// <summary>Stops the consumer as Ctrl-C does; it must end cleanly.</summary>
        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            Assert.That(await _run.WaitAsync(Patience), Is.Zero, "the consumer stops cleanly when cancelled");
            _stop.Dispose();
        }
    }

    private static readonly Guid HealthQuery = Guid.NewGuid();

    private static Confluent.Kafka.Message<byte[]?, byte[]> Health(long batch, long late, long deadLetters)
    {
        var message = new BatchHealthMessage(HealthQuery, "TopUpSpark", "host-1", batch, [0, 1, 2, 3], DateTimeOffset.UtcNow, 100, late, deadLetters, 0, 0, null);
        return new Confluent.Kafka.Message<byte[]?, byte[]> { Key = System.Text.Encoding.UTF8.GetBytes(message.Key), Value = message.EncodeValue() };
    }

    /// <summary>The fill plotly.js drew for the regions with this count, all alike.</summary>
    private static async Task<string> FillOfCount(HeadlessChromium browser, long count)
    {
        var fills = await browser.EvaluateAsync<string[]>(
            $"Array.from(document.querySelectorAll('#map path.choroplethlocation')).filter(p => p.__data__ && p.__data__.z === {count}).map(p => getComputedStyle(p).fill)");
        Assert.That(fills, Is.Not.Empty.And.All.EqualTo(fills[0]), $"regions with {count} top-ups");
        Assert.That(fills[0], Does.StartWith("rgb"), $"the fill drawn for {count} top-ups");
        return fills[0];
    }

    private static async Task<string[]> TableRows(HeadlessChromium browser) =>
        await browser.EvaluateAsync<string[]>(
            "Array.from(document.querySelectorAll('#counts-body tr.region')).map(tr => tr.cells[0].firstChild.textContent + '=' + tr.cells[1].textContent)");

    private static async Task<Dictionary<string, long>> MapCounts(HeadlessChromium browser) =>
        await browser.EvaluateAsync<Dictionary<string, long>>(
            "(() => { const t = document.getElementById('map').data.find(d => d.name === 'predicted top-ups'); return Object.fromEntries(t.locations.map((l, i) => [l, t.z[i]])); })()");

    private static async Task WaitForFile(string path, string contains)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Patience)
        {
            if (File.Exists(path) && (await File.ReadAllTextAsync(path)).Contains(contains, StringComparison.Ordinal)) return;
            await Task.Delay(100);
        }
        Assert.Fail($"{path} was not written with {contains} within {Patience.TotalSeconds} s");
    }
}
