using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TopUpSpark.Consumer.Dashboard;
using TopUpSpark.Consumer.Streams;
using TopUpSpark.Web;

namespace TopUpSpark.Consumer.Web;

/// <summary>
/// The live dashboard, on TopUpSpark's <see cref="LocalWebServer"/> (Kestrel, loopback by default). <c>/</c> is the map page,
/// <c>/events</c> pushes the page's data as Server-Sent Events on every change (plus a keep-alive),
/// <c>/api/state</c> answers the same data once. <c>/streams</c>, <c>/streams/events</c> and <c>/api/streams</c>
/// are the same for the input streams' record counts, when they are counted. Only GET, only the
/// dashboard's own files, strict CSP.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    private readonly LocalWebServer _server;

    private DashboardServer(LocalWebServer server) => _server = server;

    /// <summary>Where the dashboard listens, e.g. http://127.0.0.1:8050/ (the actual port when 0 was asked for).</summary>
    public Uri Address => _server.Address;

    /// <summary>The map at <c>/</c>, and the streams page when <paramref name="streams"/> is given.</summary>
    public static Task<DashboardServer> StartAsync(
        IPAddress host, int port, DashboardState state, DashboardPayload payload, ILoggerFactory loggerFactory, CancellationToken cancel,
        StreamsView? streams = null) =>
        StartAsync(host, port, (state, payload), streams, loggerFactory, cancel);

    /// <summary>The streams page alone (<c>topup-consumer counts</c>); <c>/</c> leads to it.</summary>
    public static Task<DashboardServer> StartAsync(IPAddress host, int port, StreamsView streams, ILoggerFactory loggerFactory, CancellationToken cancel) =>
        StartAsync(host, port, null, streams, loggerFactory, cancel);

    private static async Task<DashboardServer> StartAsync(
        IPAddress host, int port, (DashboardState State, DashboardPayload Payload)? map, StreamsView? streams, ILoggerFactory loggerFactory,
        CancellationToken cancel)
    {
        var server = await LocalWebServer.StartAsync(new WebServerOptions(host, port, DashboardPage.ContentSecurityPolicy), app =>
        {
            foreach (var (path, contentType) in WebAssets.ContentTypes)
            {
                var bytes = WebAssets.Read(path);
                app.MapGet("/" + path, () => Results.Bytes(bytes, contentType));
            }
            if (map is var (state, payload))
            {
                var page = Encoding.UTF8.GetBytes(DashboardPage.Live());
                app.MapGet("/", () => Results.Bytes(page, "text/html; charset=utf-8"));
                app.MapGet("/api/state", () => Results.Text(payload.For(state.Current), "application/json; charset=utf-8"));
                LocalWebServer.MapUpdates(app, "/events", state.NextAsync, s => s.Version, payload.For);
            }
            else
            {
                app.MapGet("/", () => Results.Redirect("streams"));
            }
            if (streams is not null)
            {
                var page = WebAssets.Read(WebAssets.StreamsPage);
                app.MapGet("/streams", () => Results.Bytes(page, "text/html; charset=utf-8"));
                app.MapGet("/api/streams", () => Results.Text(streams.Payload.For(streams.Counter.Current), "application/json; charset=utf-8"));
                LocalWebServer.MapUpdates(app, "/streams/events", streams.Counter.NextAsync, s => s.Version, streams.Payload.For);
            }
        }, loggerFactory, cancel);
        return new DashboardServer(server);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
