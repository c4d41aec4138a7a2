using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using TopUpSpark.Consumer.Dashboard;
using TopUpSpark.Consumer.Tests.Support;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Messages;
using TopUpSpark.TestSupport;
using TopUpSpark.Web.Map;

namespace TopUpSpark.Consumer.Tests;

/// <summary>
/// The consumer program as it runs (<see cref="ConsumerApp.RunAsync"/>, in this process) against the
/// embedded broker, fed the messages that stopped it or took its map over, then a valid window.
/// </summary>
[NonParallelizable]
public class ConsumerProgramTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private const string ValidWindow = "2024-05-01 10:01:00";
    private const int BadMessageCount = 6;

    /// <summary>Each bad message with what its rejection must say.</summary>
    private static readonly (Message<byte[]?, byte[]> Message, string Reason)[] BadMessages =
    [
        (DashboardFeed.Message("2024-05-01 10:00:30", """[{"State":"GUJARAT","count":9223372036854775807},{"State":"KERALA","count":1}]"""),
            "count of state 'GUJARAT' is 9,223,372,036,854,775,807, beyond 9,007,199,254,740,991 (2^53−1)"),
        (DashboardFeed.Message("9999-12-31 23:59:59", """[{"State":"GOA","count":1}]"""),
            "window end 9999-12-31 23:59:59 is more than 1d (--max-window-ahead) ahead of the dashboard's clock"),
        (DashboardFeed.Message(ValidWindow, """[{"State":"GOA","count":100}]""",
                new Headers { { BatchPart.QueryIdHeader, "\u0000garbage"u8.ToArray() }, { BatchPart.TasksHeader, [0xff] } }),
            @"header query.id '\u0000garbage' is not a query id"),
        (new Message<byte[]?, byte[]> { Key = [0xc3, 0x28], Value = """[{"State":"GOA","count":1}]"""u8.ToArray() },
            "key is not UTF-8 text"),
        (DashboardFeed.Message("2024-05-01 10:00:30", """[{"State":"\ud800","count":1}]"""),
            "value holds a string that is not valid text"),
        (DashboardFeed.Message("2024-05-01 10:00:30", $$"""[{"State":"GOA","count":"{{new string('9', 512 * 1024)}}"}]"""),
            """element {"State":"GOA","count":"999"""),
    ];

    private static readonly Message<byte[]?, byte[]> ValidPart = DashboardFeed.Message(ValidWindow,
        """[{"State":"GUJARAT","count":3},{"State":"KERALA","count":2}]""",
        new BatchPart(Guid.Parse("0d7c4f4e-3f5e-4c61-9a57-2b1f0e6a8c11"), "topup-by-state", 7, [0, 1]).ToHeaders());

    [Test]
    public Task In_text_mode_no_message_stops_the_dashboard_or_takes_its_map() => RunConsumer(text: true, async run =>
    {
        // A terminal shows no readiness, and the dashboard reads from the latest offsets: a first window,
        // published until it shows, says the dashboard reads every partition.
        await WaitUntil(() =>
        {
            DashboardFeed.Publish(run.Settings, DashboardFeed.Message("2024-05-01 10:00:00", """[{"State":"GOA","count":1}]"""));
            return LastTable(run.Terminal).Contains("Window ending 2024-05-01 10:00:00 UTC");
        }, "the first window on the terminal", TimeSpan.FromSeconds(1));

        PublishTheBadMessagesThenAValidPartTwice(run.Settings);
        await WaitUntil(() =>
        {
            var table = LastTable(run.Terminal);
            return table.Contains($"Window ending {ValidWindow} UTC · total 5 · 2 states · 1 message(s)")
                   && table.Contains($"{BadMessageCount} rejected") && table.Contains("1 repeated parts ignored");
        }, "the valid window, the rejections and the repeat on the terminal");
    });

    [Test]
    public Task In_web_mode_no_message_stops_the_dashboard_or_takes_its_map() => RunConsumer(text: false, async run =>
    {
        var address = await run.Listening.WaitAsync(Patience);
        await DashboardFeed.WaitUntilReadyAsync(address, Patience);

        PublishTheBadMessagesThenAValidPartTwice(run.Settings);
        using var http = new HttpClient { BaseAddress = address };
        var state = default(JsonElement);
        await WaitUntil(async () =>
        {
            state = await http.GetFromJsonAsync<JsonElement>("api/state");
            var status = state.GetProperty("status");
            return state.GetProperty("window") is { ValueKind: JsonValueKind.Object } window && window.GetProperty("end").GetString() == ValidWindow
                   && status.GetProperty("messagesRejected").GetInt64() == BadMessageCount
                   && status.GetProperty("repeatedPartsIgnored").GetInt64() == 1;
        }, "the valid window, the rejections and the repeat in the page's data");

        Assert.That(state.GetProperty("window").GetProperty("total").GetInt64(), Is.EqualTo(5));
        var reasons = state.GetProperty("status").GetProperty("recentRejections").EnumerateArray().Select(r => r.GetProperty("reason").GetString()!).ToList();
        foreach (var (_, reason) in BadMessages)
            Assert.That(reasons, Has.Some.Contains(reason));
        Assert.That(reasons, Has.All.Length.LessThanOrEqualTo(StateCountsProcessor.ReasonLength + 1), "no page shows a megabyte");
        await WaitUntil(() => File.Exists(run.SnapshotFile) && File.ReadAllText(run.SnapshotFile).Contains($"\"end\":\"{ValidWindow}\""),
            "the valid window in the --html snapshot");
    });

    private sealed record RunningConsumer(KafkaSettings Settings, Task<Uri> Listening, CapturingTerminal Terminal, string SnapshotFile);

    /// <summary>
    /// Runs the program on a fresh embedded broker (web mode with an --html snapshot, or --text) while
    /// <paramref name="drive"/> feeds and watches it; then checks it is still running, rejected each bad
    /// message with its reason, and stops cleanly when cancelled.
    /// </summary>
    private static async Task RunConsumer(bool text, Func<RunningConsumer, Task> drive)
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: [Topics.TopUpByState]);
        var (loggers, logs) = CapturingLoggerProvider.CreateFactory();
        using var loggerFactory = loggers;
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = new RunningConsumer(new KafkaSettings(cluster.BootstrapServers), listening.Task, new CapturingTerminal(),
            Path.Combine(RepositoryRoot.NewScratchDirectory("dashboard"), "dashboard.html"));
        var options = new ConsumerOptions(run.Settings, Topics.TopUpByState, IPAddress.Loopback, Port: 0, Serve: !text,
            HtmlPath: text ? null : run.SnapshotFile, Text: text, History: 30, MaxWindowAhead: ConsumerOptions.DefaultMaxWindowAhead,
            StateAliasesPath: StateAliasTable.DefaultPath);
        using var stop = new CancellationTokenSource();
        var consumer = Task.Run(() => ConsumerApp.RunAsync(options, loggers, stop.Token, listening.SetResult, run.Terminal));
        try
        {
            await drive(run);
            Assert.That(consumer.IsCompleted, Is.False, "the dashboard is still running");
            AssertEachBadMessageWasRejectedWithItsReason(logs);
        }
        finally
        {
            await stop.CancelAsync();
            Assert.That(await consumer.WaitAsync(Patience), Is.Zero, "the consumer stops cleanly when cancelled");
        }
    }

    /// <summary>The garbage-headed message shares the valid window's key, so it would have added to it had it been taken.</summary>
    private static void PublishTheBadMessagesThenAValidPartTwice(KafkaSettings settings)
    {
        DashboardFeed.Publish(settings, BadMessages.Select(bad => bad.Message));
        DashboardFeed.Publish(settings, ValidPart, ValidPart);
    }

    private static void AssertEachBadMessageWasRejectedWithItsReason(CapturingLoggerProvider logs)
    {
        var warnings = logs.At(LogLevel.Warning).ToList();
        foreach (var (_, reason) in BadMessages)
            Assert.That(warnings.Any(w => w.StartsWith("rejected message topup-by-state[", StringComparison.Ordinal) && w.Contains(reason, StringComparison.Ordinal)),
                Is.True, $"a logged rejection that says: {reason}");
        Assert.That(logs.Lines.Select(l => l.Message.Length), Has.All.LessThan(10_000), "no log line carries a megabyte");
    }

    private static string LastTable(CapturingTerminal terminal)
    {
        var printed = terminal.Printed;
        var start = printed.LastIndexOf("TopUpSpark · predicted top-ups by state", StringComparison.Ordinal);
        return start < 0 ? "" : printed[start..];
    }

    private static Task WaitUntil(Func<bool> condition, string what, TimeSpan? pause = null) =>
        WaitUntil(() => Task.FromResult(condition()), what, pause);

    private static async Task WaitUntil(Func<Task<bool>> condition, string what, TimeSpan? pause = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Patience) Assert.Fail($"waited {Patience.TotalSeconds} s for {what} in vain");
            await Task.Delay(pause ?? TimeSpan.FromMilliseconds(200));
        }
    }
}
