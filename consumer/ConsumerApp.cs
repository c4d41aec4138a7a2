using System.Net;
using Microsoft.Extensions.Logging;
using TopUpSpark.Consumer.Dashboard;
using TopUpSpark.Consumer.Kafka;
using TopUpSpark.Consumer.Streams;
using TopUpSpark.Consumer.Text;
using TopUpSpark.Consumer.Web;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Web.Map;

namespace TopUpSpark.Consumer;

/// <summary>What the consumer does, as its flags set it.</summary>
public sealed record ConsumerOptions(
    KafkaSettings Kafka,
    string Topic,
    IPAddress Host,
    int Port,
    bool Serve,
    string? HtmlPath,
    bool Text,
    int History,
    TimeSpan MaxWindowAhead,
    string StateAliasesPath)
{
    public static readonly TimeSpan DefaultMaxWindowAhead = TimeSpan.FromDays(1);

    /// <summary>The job's per-batch health (late rows dropped, dead letters), read beside <see cref="Topic"/>.</summary>
    public string ProgressTopic { get; init; } = Topics.Progress;

    /// <summary>When set, the server also counts the records of these streams and serves them at <c>/streams</c>, linked from the map.</summary>
    public StreamCountsOptions? Streams { get; init; }
}

/// <summary>What <c>topup-consumer counts</c> does, as its flags set it.</summary>
public sealed record CountsOptions(KafkaSettings Kafka, StreamCountsOptions Counts, IPAddress Host, int Port, bool Text);

/// <summary>
/// The consumer: reads <c>topup-by-state</c> and shows it live on the web dashboard, in an HTML
/// snapshot file and/or as a terminal table, until cancelled (Ctrl-C / SIGTERM).
/// </summary>
public static class ConsumerApp
{
    /// <param name="listening">Told the dashboard's address once it listens.</param>
    /// <param name="terminal">Where <c>--text</c> prints its tables; the console when null.</param>
    /// <returns>The process exit code: 0 after a normal stop, 1 when Kafka failed fatally, 2 for a bad setup.</returns>
    public static async Task<int> RunAsync(
        ConsumerOptions options, ILoggerFactory loggers, CancellationToken cancel, Action<Uri>? listening = null, TextWriter? terminal = null)
    {
        var log = loggers.CreateLogger("consumer");
        var time = TimeProvider.System;
        var map = IndiaMap.Load();
        StateAliasTable aliases;
        try
        {
            aliases = StateAliasTable.Load(options.StateAliasesPath, map.RegionNames);
        }
        catch (StateAliasException e)
        {
            log.LogError("{Reason}", e.Message);
            return 2;
        }
        log.LogInformation("map of {Regions} states and union territories; {Aliases} state name aliases from {File}",
            map.Regions.Count, aliases.AliasCount, Path.GetFullPath(options.StateAliasesPath));

        var groupId = $"topup-dashboard-{Guid.NewGuid():N}"[..28];
        var state = new DashboardState(options.Topic, options.Kafka.BootstrapServers, groupId, options.History, time.GetUtcNow());
        var processor = new StateCountsProcessor(state, aliases, options.MaxWindowAhead, loggers.CreateLogger("messages"), time);
        var reader = new LiveTopicReader(options.Kafka, [options.Topic, options.ProgressTopic], groupId, state,
            (result, source) => _ = result.Topic == options.ProgressTopic
                ? processor.ProcessBatchHealth(result.Message.Key, result.Message.Value ?? [], source)
                : processor.Process(result.Message.Key, result.Message.Value ?? [], result.Message.Headers, source),
            loggers.CreateLogger("kafka"), time);
        var serve = options.Serve && !options.Text;
        var streamCounts = serve && options.Streams is not null;
        var payload = new DashboardPayload(map, time, streamsServed: streamCounts);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        // The server before the map's reader: a port that is taken ends the run before it started.
        var streams = streamCounts ? StreamCountsService.Start(options.Kafka, options.Streams!, loggers, time, stop.Token) : null;
        DashboardServer? server = null;
        if (serve)
        {
            var view = streams is null ? null : new StreamsView(streams.Counter, new StreamCountsPayload(time, mapServed: true));
            server = await ServeAsync(() => DashboardServer.StartAsync(options.Host, options.Port, state, payload, loggers, cancel, view),
                options.Host, options.Port, log, listening);
            if (server is null)
            {
                await StopAsync(stop, streams);
                return 2;
            }
        }

        var readerTask = reader.RunAsync(stop.Token);
        var outputs = new List<Task>();
        try
        {
            if (options.HtmlPath is { } htmlPath)
            {
                var writer = new HtmlSnapshotWriter(htmlPath, payload, loggers.CreateLogger("html"));
                log.LogInformation("writing a self-contained snapshot to {Path} after every update", writer.FullPath);
                outputs.Add(writer.RunAsync(state, stop.Token));
            }
            if (options.Text)
            {
                var output = terminal ?? Console.Out;
                outputs.Add(new TextDashboard(output, clearScreen: terminal is null && !Console.IsOutputRedirected).RunAsync(state, stop.Token));
            }
            // Until Ctrl-C / SIGTERM, or until a reader gives up.
            await Task.WhenAny(readerTask, streams?.Completion ?? Task.Delay(Timeout.Infinite, cancel), Task.Delay(Timeout.Infinite, cancel));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(outputs);
            if (server is not null) await server.DisposeAsync();
        }
        try
        {
            await readerTask;
            if (streams is not null) await streams.Completion;
        }
        catch (Confluent.Kafka.KafkaException e)
        {
            log.LogError("the consumer stopped: {Reason}", e.Message);
            return 1;
        }
        var final = state.Current.Status;
        log.LogInformation("stopped: {Accepted} messages accepted, {Rejected} rejected, {Late} late windows, {Repeated} repeated parts ignored, {Lost} messages lost",
            final.MessagesAccepted, final.MessagesRejected, final.LateWindows, final.RepeatedPartsIgnored, final.LostMessages);
        return 0;
    }

    /// <summary>
    /// <c>topup-consumer counts</c>: records per stream per processing-time bucket and per window, on the
    /// streams page (<c>/</c> leads there) and/or as a terminal table, until cancelled.
    /// </summary>
    /// <returns>The process exit code: 0 after a normal stop, 1 when Kafka failed fatally, 2 for a bad setup.</returns>
    public static async Task<int> RunCountsAsync(
        CountsOptions options, ILoggerFactory loggers, CancellationToken cancel, Action<Uri>? listening = null, TextWriter? terminal = null,
        TimeProvider? time = null)
    {
        var log = loggers.CreateLogger("consumer");
        time ??= TimeProvider.System;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var streams = StreamCountsService.Start(options.Kafka, options.Counts, loggers, time, stop.Token);
        DashboardServer? server = null;
        if (!options.Text)
        {
            var view = new StreamsView(streams.Counter, new StreamCountsPayload(time, mapServed: false));
            server = await ServeAsync(() => DashboardServer.StartAsync(options.Host, options.Port, view, loggers, cancel), options.Host, options.Port, log, listening);
            if (server is null)
            {
                await StopAsync(stop, streams);
                return 2;
            }
        }
        Task? text = options.Text ? new StreamCountsText(terminal ?? Console.Out).RunAsync(streams.Counter, stop.Token) : null;
        try
        {
            await Task.WhenAny(streams.Completion, Task.Delay(Timeout.Infinite, cancel));
        }
        finally
        {
            await stop.CancelAsync();
            if (text is not null) await text;
            if (server is not null) await server.DisposeAsync();
        }
        try
        {
            await streams.Completion;
        }
        catch (Confluent.Kafka.KafkaException e)
        {
            log.LogError("the consumer stopped: {Reason}", e.Message);
            return 1;
        }
        var final = streams.Counter.Publish();
        log.LogInformation("stopped: {Messages} records counted, {Late} late, {Unreadable} unreadable, {Lost} lost",
            final.Status.Messages, final.Series.Where(s => s.Group is null).Sum(s => s.TotalLate), final.Status.Unreadable, final.Status.LostMessages);
        return 0;
    }

    /// <summary>Starts a server, logging where it listens; null (logged) when the address cannot be used.</summary>
    private static async Task<DashboardServer?> ServeAsync(Func<Task<DashboardServer>> start, IPAddress host, int port, ILogger log, Action<Uri>? listening)
    {
        DashboardServer server;
        try
        {
            server = await start();
        }
        catch (IOException e)
        {
            log.LogError("cannot serve the dashboard on {Host}:{Port}: {Reason}", host, port, e.Message);
            return null;
        }
        if (!IPAddress.IsLoopback(host))
            log.LogWarning("the dashboard listens on {Host}, not loopback: anyone who can reach this machine can read it", host);
        log.LogInformation("dashboard at {Address}", server.Address);
        listening?.Invoke(server.Address);
        return server;
    }

    private static async Task StopAsync(CancellationTokenSource stop, StreamCountsService? streams)
    {
        await stop.CancelAsync();
        if (streams is null) return;
        try
        {
            await streams.Completion;
        }
        catch (Confluent.Kafka.KafkaException)
        {
            // Stopping anyway: the setup error is what the caller reports.
        }
    }
}
