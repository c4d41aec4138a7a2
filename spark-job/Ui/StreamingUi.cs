using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Progress;
using TopUpSpark.Web;

namespace TopUpSpark.Job.Ui;

/// <summary>Where the streaming UI listens: <c>--ui-host</c>, <c>--ui-port</c> (null options: <c>--no-ui</c>).</summary>
public sealed record StreamingUiOptions(IPAddress Host, int Port)
{
    /// <summary>Spark's UI port; with several jobs on one host the next ones take 4041, 4042, … as Spark's do.</summary>
    public const int DefaultPort = 4040;

    /// <summary>How many ports from the asked one upwards are tried (Spark's <c>spark.port.maxRetries</c>).</summary>
    public const int PortAttempts = 16;
}

/// <summary>
/// The job's streaming UI, like the Spark UI's Structured Streaming tab: <c>/</c> charts the last batches' progress
/// live (Server-Sent Events on <c>/events</c> after every batch), <c>/api/progress</c> answers the recent progress
/// as JSON. Listens on loopback by default; the batch loop only hands each batch's progress over
/// (<see cref="ProgressHistory"/>), everything else happens on the server's threads.
/// </summary>
public sealed class StreamingUi : IAsyncDisposable
{
    /// <summary>Scripts and styles only from the UI itself; inline styles because plotly.js styles the SVG it draws.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly IReadOnlyDictionary<string, string> Pages = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["/"] = "text/html; charset=utf-8",
        ["/ui.js"] = "text/javascript; charset=utf-8",
        ["/ui.css"] = "text/css; charset=utf-8",
    };

    private readonly StreamingQuery _query;
    private readonly LocalWebServer _server;

    private StreamingUi(StreamingQuery query, LocalWebServer server, ProgressHistory history)
    {
        _query = query;
        _server = server;
        History = history;
        _query.Progress += History.Add;
    }

    public Uri Address => _server.Address;

    public ProgressHistory History { get; }

    /// <exception cref="IOException">No port of the range was free.</exception>
    public static async Task<StreamingUi> StartAsync(StreamingUiOptions options, StreamingQuery query, string instance, ILoggerFactory loggers,
        CancellationToken cancel, int capacity = ProgressHistory.DefaultCapacity)
    {
        var history = new ProgressHistory(capacity);
        var payload = new StreamingUiPayload(new UiQuery(query.Id, query.Name, instance, DateTimeOffset.UtcNow));
        var server = await ServeAsync(new WebServerOptions(options.Host, options.Port, ContentSecurityPolicy, StreamingUiOptions.PortAttempts), app =>
        {
            foreach (var (path, contentType) in Pages)
            {
                var bytes = Read(path == "/" ? "index.html" : path[1..]);
                app.MapGet(path, () => Results.Bytes(bytes, contentType));
            }
            // Read when first asked for (then kept): plotly.js alone is 3.5 MB, resident twice (the assembly's pages and
            // the copy) in a job whose UI nobody may open.
            foreach (var (name, contentType) in SharedAssets.ContentTypes)
                app.MapGet((name == SharedAssets.Plotly ? "/assets/" : "/") + name, () => Results.Bytes(SharedAssets.Read(name), contentType));
            app.MapGet("/api/progress", () => Results.Text(payload.ProgressJson(history.Current), "application/json; charset=utf-8"));
            LocalWebServer.MapUpdates(app, "/events", history.NextAsync, s => s.Version, payload.PageJson);
        }, loggers, cancel);
        var log = loggers.CreateLogger("ui");
        if (server.Address.Port != options.Port && options.Port != 0)
            log.LogWarning("port {Port} is taken (another job's UI?): the streaming UI took the next free one", options.Port);
        if (!IPAddress.IsLoopback(options.Host))
            log.LogWarning("the streaming UI listens on {Host}, not loopback: anyone who can reach this machine can read it", options.Host);
        log.LogInformation("streaming UI at {Address}", server.Address);
        return new StreamingUi(query, server, history);
    }

    private static async Task<LocalWebServer> ServeAsync(WebServerOptions where, Action<WebApplication> routes, ILoggerFactory loggers, CancellationToken cancel)
    {
        try
        {
            return await LocalWebServer.StartAsync(where, routes, loggers, cancel);
        }
        catch (IOException e)
        {
            throw new IOException($"cannot serve the streaming UI: {e.Message}; give another --ui-port, or --no-ui", e);
        }
    }

    private static byte[] Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("ui/" + name)
            ?? throw new InvalidOperationException($"the streaming UI's {name} is not embedded in the job (spark-job/ui-page)");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        _query.Progress -= History.Add;
        await _server.DisposeAsync();
    }
}
