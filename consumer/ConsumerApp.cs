using System.Net;
using Microsoft.Extensions.Logging;
using TopUpSpark.Consumer.Dashboard;
using TopUpSpark.Consumer.Kafka;
using TopUpSpark.Consumer.Map;
using TopUpSpark.Consumer.Text;
using TopUpSpark.Consumer.Web;
using TopUpSpark.Core.Kafka;

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
}

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
        var reader = new TopUpByStateReader(options.Kafka, options.Topic, groupId, state, processor, loggers.CreateLogger("kafka"), time);
        var payload = new DashboardPayload(map, time);

        // The server first: a port that is taken ends the run before anything else started.
        DashboardServer? server = null;
        if (options.Serve && !options.Text)
        {
            try
            {
                server = await DashboardServer.StartAsync(options.Host, options.Port, state, payload, loggers, cancel);
            }
            catch (IOException e)
            {
                log.LogError("cannot serve the dashboard on {Host}:{Port}: {Reason}", options.Host, options.Port, e.Message);
                return 2;
            }
            if (!IPAddress.IsLoopback(options.Host))
                log.LogWarning("the dashboard listens on {Host}, not loopback: anyone who can reach this machine can read it", options.Host);
            log.LogInformation("dashboard at {Address}", server.Address);
            listening?.Invoke(server.Address);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
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
            // Until Ctrl-C / SIGTERM, or until the reader gives up.
            await Task.WhenAny(readerTask, Task.Delay(Timeout.Infinite, cancel));
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
}
