using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TopUpSpark.Consumer.Dashboard;
using TopUpSpark.Consumer.Streams;

namespace TopUpSpark.Consumer.Web;

/// <summary>
/// The live dashboard: an ASP.NET Core (Kestrel) server on loopback by default. <c>/</c> is the map page,
/// <c>/events</c> pushes the page's data as Server-Sent Events on every change (plus a keep-alive),
/// <c>/api/state</c> answers the same data once. <c>/streams</c>, <c>/streams/events</c> and <c>/api/streams</c>
/// are the same for the input streams' record counts, when they are counted. Only GET, only the
/// dashboard's own files, strict CSP.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(10);

    private readonly WebApplication _app;

    private DashboardServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Where the dashboard listens, e.g. http://127.0.0.1:8050/ (the actual port when 0 was asked for).</summary>
    public Uri Address { get; }

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
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ILoggerFactory>(new FrameworkWarningsOnly(loggerFactory));
        // ProgramHost owns Ctrl-C and SIGTERM; ASP.NET Core's console lifetime would install handlers of its own.
        builder.Services.AddSingleton<IHostLifetime, StoppedByOwner>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(host, port);
        });
        var app = builder.Build();
        var loopbackOnly = IPAddress.IsLoopback(host);
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = DashboardPage.ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Resource-Policy"] = "same-origin";
            headers.CacheControl = "no-store";
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                return;
            }
            // A page on another site could otherwise reach a loopback dashboard through DNS rebinding.
            if (loopbackOnly && !IsLoopbackHostName(context.Request.Host.Host))
            {
                context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
                return;
            }
            await next(context);
        });

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
            app.MapGet("/events", (HttpContext context, IHostApplicationLifetime lifetime) =>
                TypedResults.ServerSentEvents(Updates(state.NextAsync, s => s.Version, payload.For, context.RequestAborted, lifetime.ApplicationStopping),
                    eventType: "update"));
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
            app.MapGet("/streams/events", (HttpContext context, IHostApplicationLifetime lifetime) =>
                TypedResults.ServerSentEvents(
                    Updates(streams.Counter.NextAsync, s => s.Version, streams.Payload.For, context.RequestAborted, lifetime.ApplicationStopping),
                    eventType: "update"));
        }

        await app.StartAsync(cancel);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var address = new Uri(bound.EndsWith('/') ? bound : bound + "/");
        return new DashboardServer(app, address);
    }

    /// <summary>A page's data on every change of its snapshot, and again every <see cref="KeepAlive"/>.</summary>
    private static async IAsyncEnumerable<string> Updates<TSnapshot>(
        Func<long, TimeSpan?, CancellationToken, Task<TSnapshot?>> next, Func<TSnapshot, long> versionOf, Func<TSnapshot, string> payload,
        CancellationToken requestAborted, CancellationToken stopping, [EnumeratorCancellation] CancellationToken enumeration = default)
        where TSnapshot : class
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, stopping, enumeration);
        var seen = long.MinValue;
        while (await next(seen, KeepAlive, cancel.Token) is { } snapshot)
        {
            seen = versionOf(snapshot);
            yield return payload(snapshot);
        }
    }

    private static bool IsLoopbackHostName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary>
    /// ASP.NET Core logs every request at Information; the program's log keeps only its warnings and
    /// errors. The generic host's own messages are left out: a failed start (a port in use) reaches
    /// the caller as an exception, which says it in one line instead of a stack trace.
    /// </summary>
    private sealed class FrameworkWarningsOnly(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) =>
            categoryName.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal) ? NullLogger.Instance
            : categoryName.StartsWith("Microsoft.", StringComparison.Ordinal) ? new WarningsOnly(inner.CreateLogger(categoryName))
            : inner.CreateLogger(categoryName);

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose()
        {
            // The program owns the inner factory.
        }

        private sealed class WarningsOnly(ILogger inner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && inner.IsEnabled(logLevel);

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel)) inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }

    private sealed class StoppedByOwner : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
