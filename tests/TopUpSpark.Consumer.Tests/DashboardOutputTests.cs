using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using TopUpSpark.Consumer.Dashboard;
using TopUpSpark.Consumer.Tests.Support;
using TopUpSpark.Consumer.Text;
using TopUpSpark.Consumer.Web;
using TopUpSpark.Core.Messages;
using TopUpSpark.TestSupport;
using TopUpSpark.Web.Figures;
using TopUpSpark.Web.Map;

namespace TopUpSpark.Consumer.Tests;

/// <summary>What the dashboard writes: the self-contained HTML snapshot and the terminal table.</summary>
public class DashboardOutputTests
{
    private const string XssStateName = "<img src=x onerror=alert(1)>";
    private static readonly IndiaMap Map = IndiaMap.Load();

    private static DashboardState StateWith(params (string Key, string Value)[] messages)
    {
        var state = new DashboardState("topup-by-state", "127.0.0.1:9092", "test-group", 30, DateTimeOffset.UnixEpoch);
        var processor = new StateCountsProcessor(state, StateAliasTable.Load(StateAliasTable.DefaultPath, Map.RegionNames),
            ConsumerOptions.DefaultMaxWindowAhead, NullLogger.Instance, TimeProvider.System);
        for (var i = 0; i < messages.Length; i++)
            processor.Process(Encoding.UTF8.GetBytes(messages[i].Key), Encoding.UTF8.GetBytes(messages[i].Value), headers: null, $"topup-by-state[0]@{i}");
        return state;
    }

    private static readonly (string, string)[] SampleMessages =
    [
        ("2024-05-01 10:00:00", """[{"State":"GUJARAT","count":2},{"State":"KERALA","count":1}]"""),
        ("2024-05-01 10:00:30",
            """[{"State":"ORISSA","count":6},{"State":"CHATTISGARH","count":4},{"State":"KARNATAKA","count":1},{"State":"GUJARAT<","count":2},{"State":"<img src=x onerror=alert(1)>","count":2}]"""),
        ("2024-05-01 10:00:30", "not json at all"),
    ];

    [Test]
    public void The_snapshot_carries_data_only_escaped_and_allows_only_its_own_three_scripts()
    {
        var html = DashboardPage.Snapshot(new DashboardPayload(Map, TimeProvider.System).For(StateWith(SampleMessages).Current));

        Assert.That(html, Does.Not.Contain("<img"), "no markup from data reaches the page's HTML");
        Assert.That(html, Does.Contain(@"\u003Cimg src=x onerror=alert(1)\u003E"), "the name is there, as escaped JSON text");
        Assert.That(html, Does.Contain(@"in the data as GUJARAT\u0026lt;"), "data names in plotly.js labels are HTML-escaped (&lt;, JSON-encoded)");

        var policy = Regex.Match(html, "<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]+)\">").Groups[1].Value;
        Assert.That(policy, Does.StartWith("default-src 'none'; script-src 'sha256-"));
        var inlineScripts = Regex.Matches(html, "<script>(.*?)</script>", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();
        Assert.That(inlineScripts, Has.Count.EqualTo(3), "plotly.js, the shared page helpers and the page script");
        foreach (var script in inlineScripts)
            Assert.That(policy, Does.Contain($"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script)))}'"));
        Assert.That(Regex.Matches(html, "<script[ >]").Count, Is.EqualTo(6), "three scripts and three inert JSON blocks");
        Assert.That(html, Does.Contain("react-datamaps-india 0.6.0 (MIT)"), "the map data's licence travels with the file");
    }

    [Test]
    public void The_page_never_shows_kafka_pass_through_settings()
    {
        var payload = new DashboardPayload(Map, TimeProvider.System).For(StateWith(SampleMessages).Current);
        Assert.That(payload, Does.Contain("\"bootstrapServers\":\"127.0.0.1:9092\""));
        Assert.That(payload, Does.Not.Contain("sasl").And.Not.Contain("password"));
    }

    [Test]
    public void A_message_full_of_unknown_names_is_counted_in_full_but_listed_in_part()
    {
        var names = string.Join(",", Enumerable.Range(1, 60).Select(i => $$"""{"State":"NOWHERE {{i}}","count":1}"""));
        var state = StateWith(("2024-05-01 10:00:30", $$"""[{"State":"GOA","count":5},{{names}}]"""));

        using var payload = System.Text.Json.JsonDocument.Parse(new DashboardPayload(Map, TimeProvider.System).For(state.Current));
        var window = payload.RootElement.GetProperty("window");
        Assert.That(window.GetProperty("total").GetInt64(), Is.EqualTo(65));
        Assert.That(window.GetProperty("unmatched").GetArrayLength(), Is.EqualTo(WindowCounts.UnmatchedShown));
        Assert.That(window.GetProperty("unmatchedHidden").GetInt32(), Is.EqualTo(10));
        Assert.That(TextDashboard.Render(state.Current), Does.Contain("… and 10 more names not on the map"));
    }

    [Test]
    public void The_terminal_table_lists_the_window_and_cannot_be_used_to_send_control_sequences()
    {
        var text = TextDashboard.Render(StateWith(
            ("2024-05-01 10:00:30", """[{"State":"ORISSA","count":6},{"State":"GUJARAT","count":3},{"State":"EVIL\u001b[2J","count":1}]""")).Current);

        Assert.That(text, Does.Contain("Window ending 2024-05-01 10:00:30 UTC · total 10 · 2 states · 1 message(s)"));
        Assert.That(text, Does.Match(@"Odisha\s+6\s+60%\s+ORISSA"));
        Assert.That(text, Does.Match(@"Gujarat\s+3\s+30%\s+GUJARAT"));
        Assert.That(text, Does.Contain(@"? EVIL\u001b[2J"), "the escape character is shown, not sent");
        Assert.That(text, Does.Not.Contain("\u001b"));
    }

    [Test]
    public void The_terminal_shows_what_the_job_reported_dropping_and_says_none_only_once_it_reported()
    {
        var state = StateWith(SampleMessages);
        Assert.That(TextDashboard.Render(state.Current), Does.Contain("Job: no batch reported yet on its progress topic"));

        var query = Guid.NewGuid();
        var at = new DateTimeOffset(2024, 5, 1, 10, 0, 35, TimeSpan.Zero);
        state.ApplyBatchHealth(new BatchHealthMessage(query, "TopUpSpark", "host-1", 4, [0, 1], at, 120, 0, 0, 0, 0, null), at);
        Assert.That(TextDashboard.Render(state.Current), Does.Contain(
            "Job: 1 batch from 1 instance, last 2024-05-01 10:00:35 UTC · 120 rows read · late rows dropped none · dead letters none · invalid values none · records lost none"));

        state.ApplyBatchHealth(new BatchHealthMessage(query, "TopUpSpark", "host-2", 5, [2, 3], at.AddSeconds(5), 1_500, 7, 2, 3, 0, null), at);
        state.ApplyBatchHealth(new BatchHealthMessage(query, "TopUpSpark", "host-2", 5, [2, 3], at.AddSeconds(5), 1_500, 7, 2, 3, 0, null), at);
        Assert.That(TextDashboard.Render(state.Current), Does.Contain(
            "Job: 2 batches from 2 instances, last 2024-05-01 10:00:40 UTC · 1,620 rows read · late rows dropped 7 · dead letters 2 · invalid values 3 · records lost none"),
            "a batch reported twice counts once");
    }

    [Test]
    public void Repeated_parts_ignored_are_counted_on_the_terminal_and_in_the_pages_data()
    {
        var state = StateWith(SampleMessages);
        state.IgnoreRepeat(DateTimeOffset.UnixEpoch);

        Assert.That(TextDashboard.Render(state.Current), Does.Contain(" · 1 repeated parts ignored · "));
        using var payload = System.Text.Json.JsonDocument.Parse(new DashboardPayload(Map, TimeProvider.System).For(state.Current));
        Assert.That(payload.RootElement.GetProperty("status").GetProperty("repeatedPartsIgnored").GetInt64(), Is.EqualTo(1));
    }

    [Test]
    public async Task The_html_snapshot_opens_offline_from_a_file_and_shows_the_window()
    {
        var state = StateWith(SampleMessages);
        state.IgnoreRepeat(DateTimeOffset.UnixEpoch);
        var file = Path.Combine(RepositoryRoot.NewScratchDirectory("snapshot"), "dashboard.html");
        await new HtmlSnapshotWriter(file, new DashboardPayload(Map, TimeProvider.System), NullLogger.Instance).WriteAsync(state.Current);

        await using var browser = await HeadlessChromium.LaunchAsync(1600, 1000);
        await browser.NavigateAsync(new Uri(file).AbsoluteUri);
        await browser.WaitForAsync(
            "document.body.dataset.windowVersion === '2' && document.querySelectorAll('#map path.choroplethlocation').length >= 36", TimeSpan.FromSeconds(30));

        var rows = await browser.EvaluateAsync<string[]>(
            "Array.from(document.querySelectorAll('#counts-body tr.region')).map(tr => tr.cells[0].firstChild.textContent + '=' + tr.cells[1].textContent)");
        Assert.That(rows, Is.EqualTo(new[] { "Odisha=6", "Chhattisgarh=4", "Gujarat=2", "Karnataka=1" }));
        var unmatched = await browser.EvaluateAsync<string[]>("Array.from(document.querySelectorAll('#unmatched-list li')).map(li => li.textContent)");
        Assert.That(unmatched, Is.EqualTo(new[] { $"{XssStateName} — 2" }));
        Assert.That(await browser.EvaluateAsync<int>("document.images.length"), Is.Zero);
        var rejections = await browser.EvaluateAsync<string[]>("Array.from(document.querySelectorAll('#rejections-list li')).map(li => li.textContent)");
        Assert.That(rejections, Has.Exactly(1).Contains("topup-by-state[0]@2: value is not valid JSON"));
        Assert.That(await browser.EvaluateAsync<string>("document.getElementById('st-repeated').textContent"), Is.EqualTo("1 ignored"));
        Assert.That(await browser.EvaluateAsync<string>("document.getElementById('live-text').textContent"), Does.StartWith("snapshot of "));

        await browser.SaveScreenshotAsync("dashboard-snapshot.png", "the --html snapshot opened from a file");
        Assert.That(browser.Problems, Is.Empty, "a snapshot that tried to load anything, or broke its CSP, logs errors here");
    }
}
