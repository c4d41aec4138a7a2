using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using TopUpSpark.Consumer.Dashboard;
using TopUpSpark.Consumer.Web;
using TopUpSpark.Web.Map;

namespace TopUpSpark.Consumer.Tests;

/// <summary>The web server's promises: its own files only, read-only, loopback names only, a strict policy.</summary>
public class DashboardServerTests
{
    private DashboardServer _server = null!;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        var state = new DashboardState("topup-by-state", "127.0.0.1:9092", "test-group", 30, DateTimeOffset.UnixEpoch);
        _server = await DashboardServer.StartAsync(IPAddress.Loopback, 0, state, new DashboardPayload(IndiaMap.Load(), TimeProvider.System),
            NullLoggerFactory.Instance, CancellationToken.None);
        _http = new HttpClient { BaseAddress = _server.Address };
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [TestCase("", "text/html")]
    [TestCase("dashboard.js", "text/javascript")]
    [TestCase("assets/plotly.min.js", "text/javascript")]
    [TestCase("assets/topojson/world_110m.json", "application/json")]
    [TestCase("assets/india-states.geojson", "application/geo+json")]
    [TestCase("api/state", "application/json")]
    public async Task Everything_the_page_needs_is_served_by_the_dashboard_itself_with_a_strict_policy(string path, string mediaType)
    {
        using var response = await _http.GetAsync(path);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo(mediaType));
        Assert.That(response.Headers.GetValues("Content-Security-Policy").Single(), Does.Contain("script-src 'self';").And.Contain("default-src 'none'"));
        Assert.That(response.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
    }

    [Test]
    public async Task The_world_topojson_is_the_one_plotly_js_asks_for()
    {
        // plotly.js requests <config.topojsonURL>world_110m.json; the page sets topojsonURL to assets/topojson/.
        var topology = JsonDocument.Parse(await _http.GetStringAsync("assets/topojson/world_110m.json")).RootElement;
        Assert.That(topology.GetProperty("type").GetString(), Is.EqualTo("Topology"));
        Assert.That(topology.GetProperty("objects").TryGetProperty("countries", out _), Is.True);
    }

    [TestCase("Program.cs")]
    [TestCase("assets/../state-aliases.json")]
    [TestCase("assets/node_modules/plotly.js-dist-min/package.json")]
    public async Task Nothing_else_is_served(string path)
    {
        using var response = await _http.GetAsync(path);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task The_dashboard_is_read_only()
    {
        using var response = await _http.PostAsync("api/state", new StringContent("{}"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
    }

    [Test]
    public async Task A_loopback_dashboard_answers_only_to_loopback_host_names()
    {
        // What a page on another site would send after pointing its own name at 127.0.0.1 (DNS rebinding).
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "api/state") { Headers = { Host = "attacker.example" } };
        using var refused = await _http.SendAsync(rebound);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.MisdirectedRequest));

        using var local = new HttpRequestMessage(HttpMethod.Get, "api/state") { Headers = { Host = $"localhost:{_server.Address.Port}" } };
        using var accepted = await _http.SendAsync(local);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
