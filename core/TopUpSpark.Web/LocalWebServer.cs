using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TopUpSpark.Web;

/// <summary>Where a <see cref="LocalWebServer"/> listens and what its pages may load.</summary>
/// <param name="PortAttempts">
/// How many ports from <paramref name="Port"/> upwards to try when it is taken (Spark's UI tries 4040, 4041, …); 1: only that port.
/// </param>
public sealed record WebServerOptions(IPAddress Host, int Port, string ContentSecurityPolicy, int PortAttempts = 1);

/// <summary>
/// The web server of TopUpSpark's pages (the dashboard, the job's streaming UI): ASP.NET Core's Kestrel on
/// loopback by default, only GET and HEAD, a strict Content-Security-Policy, no caching, and on loopback only
/// requests addressed to a loopback name. Server-Sent Events push a page's data on every change.
/// </summary>
public sealed class LocalWebServer : IAsyncDisposable
{
    /// <summary>A Server-Sent Events stream sends its data again after this long without a change, so proxies and browsers keep it open.</summary>
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(10);

    private readonly WebApplication _app;

    private LocalWebServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Where the server listens, e.g. http://127.0.0.1:8050/ (the actual port when 0 was asked for or the asked one was taken).</summary>
    public Uri Address { get; }

    /// <param name="routes">Maps the server's paths (<c>app.MapGet</c>).</param>
    /// <exception cref="IOException">No port of the range could be bound; says which.</exception>
    public static async Task<LocalWebServer> StartAsync(WebServerOptions options, Action<WebApplication> routes, ILoggerFactory loggerFactory,
        CancellationToken cancel)
    {
        var attempts = options.Port == 0 ? 1 : Math.Max(1, Math.Min(options.PortAttempts, 65536 - options.Port));
        for (var attempt = 0; ; attempt++)
        {
            var app = Build(options with { Port = options.Port + attempt }, routes, loggerFactory);
            try
            {
                await app.StartAsync(cancel);
                var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
                return new LocalWebServer(app, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
            }
            catch (IOException e) when (IsAddressInUse(e))
            {
                await app.DisposeAsync();
                if (attempt + 1 < attempts) continue;
                throw new IOException(attempts == 1
                    ? $"port {options.Port} on {options.Host} is in use"
                    : $"ports {options.Port}–{options.Port + attempts - 1} on {options.Host} are all in use", e);
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }
        }
    }

    private static bool IsAddressInUse(IOException e) =>
        e.InnerException is AddressInUseException
        || e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse };

    private static WebApplication Build(WebServerOptions options, Action<WebApplication> routes, ILoggerFactory loggerFactory)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ILoggerFactory>(new FrameworkWarningsOnly(loggerFactory));
        // The program owns Ctrl-C and SIGTERM; ASP.NET Core's console lifetime would install handlers of its own.
        builder.Services.AddSingleton<IHostLifetime, StoppedByOwner>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.Host, options.Port);
        });
        var app = builder.Build();
        var loopbackOnly = IPAddress.IsLoopback(options.Host);
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = options.ContentSecurityPolicy;
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
            // A page on another site could otherwise reach a loopback server through DNS rebinding.
            if (loopbackOnly && !IsLoopbackHostName(context.Request.Host.Host))
            {
                context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
                return;
            }
            await next(context);
        });
        routes(app);
        return app;
    }

    /// <summary>
    /// Maps <paramref name="path"/> to a Server-Sent Events stream of <paramref name="payload"/> (event type
    /// <c>update</c>): on every new version of the snapshot <paramref name="next"/> waits for, and again every
    /// <see cref="KeepAlive"/>.
    /// </summary>
    /// <param name="next">Waits for a snapshot newer than the version given, or the timeout; null when cancelled.</param>
    public static void MapUpdates<TSnapshot>(WebApplication app, string path,
        Func<long, TimeSpan?, CancellationToken, Task<TSnapshot?>> next, Func<TSnapshot, long> versionOf, Func<TSnapshot, string> payload)
        where TSnapshot : class =>
        app.MapGet(path, (HttpContext context, IHostApplicationLifetime lifetime) =>
            TypedResults.ServerSentEvents(Updates(next, versionOf, payload, context.RequestAborted, lifetime.ApplicationStopping), eventType: "update"));

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
