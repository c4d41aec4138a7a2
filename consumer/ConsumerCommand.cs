using System.CommandLine;
using TopUpSpark.Consumer.Streams;
using TopUpSpark.Core;
using TopUpSpark.Core.Cli;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Logging;
using TopUpSpark.Web.Map;
using Microsoft.Extensions.Logging;

namespace TopUpSpark.Consumer;

/// <summary>The consumer's command line: every flag with its environment variable and default.</summary>
public static class ConsumerCommand
{
    public static RootCommand Create()
    {
        var kafkaConnection = Flags.KafkaConnection();
        var topic = Flags.Create("--topic", "TOPUP_OUTPUT_TOPIC", Topics.TopUpByState, "Topic of the per-state counts of predicted top-ups")
            .Accepting(Accept.TopicName);
        var progressTopic = Flags.Create("--progress-topic", "TOPUP_PROGRESS_TOPIC", Topics.Progress,
            "Topic of the job's per-batch late rows dropped and dead letters, shown beside the counts").Accepting(Accept.TopicName);
        var host = HostFlag();
        var port = PortFlag();
        var html = Flags.Create<string?>("--html", "TOPUP_DASHBOARD_HTML", null,
            "Also write a self-contained HTML snapshot (plotly.js and the map inlined, opens offline) to FILE after every update");
        html.HelpName = "FILE";
        var text = Flags.Create("--text", "TOPUP_DASHBOARD_TEXT", false,
            "Show a plain-text table on the terminal, refreshed per message, instead of serving the web dashboard");
        var noServer = Flags.Create("--no-server", "TOPUP_DASHBOARD_NO_SERVER", false, "Serve no web dashboard (e.g. with --html only)");
        var history = Flags.Create("--history", "TOPUP_DASHBOARD_HISTORY", 30, "Windows shown in the line chart of predicted top-ups per window")
            .Accepting(Accept.Between(1, 10_000));
        history.HelpName = "N";
        var maxWindowAhead = Flags.Duration("--max-window-ahead", "TOPUP_DASHBOARD_MAX_WINDOW_AHEAD", ConsumerOptions.DefaultMaxWindowAhead,
                "Reject a window that ends more than this ahead of this machine's clock: one far in the future would hold the map for good, " +
                "every real window after it being late. Windows in the past are always taken")
            .Accepting(Accept.NotNegative);
        var aliases = Flags.Create("--state-aliases", "TOPUP_STATE_ALIASES", StateAliasTable.DefaultPath,
            "JSON file that maps the data's state names to the map's regions");
        aliases.HelpName = "FILE";

        var streams = new StreamCountsFlags("streams-");

        var root = new RootCommand(
            "Reads the per-state counts of predicted top-ups from Kafka and shows the newest window live: a web dashboard " +
            "(choropleth of India, top-ups per window, consumer status) on 127.0.0.1, an offline HTML snapshot (--html), " +
            "or a terminal table (--text). The web dashboard also counts the input streams' records live at /streams " +
            "(--streams-… flags); 'counts' does that alone.")
        {
            topic, progressTopic, host, port, html, text, noServer, history, maxWindowAhead, aliases,
        };
        kafkaConnection.AddTo(root);
        streams.AddTo(root);
        root.Subcommands.Add(CountsCommand());
        noServer.Requires(off => off,
            result => (html.TryGetValue(result, out var file) && file is not null) || (text.TryGetValue(result, out var onTerminal) && onTerminal),
            "--html FILE or --text: otherwise the consumer shows nothing at all");
        root.SetAction(WithKafka(kafkaConnection, (parse, kafka, loggers, cancel) =>
        {
            var hostName = parse.GetValue(host)!;
            var options = new ConsumerOptions(
                kafka,
                parse.GetValue(topic)!,
                Accept.ListenAddressOf(hostName),
                parse.GetValue(port),
                Serve: !parse.GetValue(noServer),
                parse.GetValue(html),
                parse.GetValue(text),
                parse.GetValue(history),
                parse.GetValue(maxWindowAhead),
                parse.GetValue(aliases)!)
            {
                ProgressTopic = parse.GetValue(progressTopic)!,
                Streams = streams.Resolve(parse),
            };
            return ConsumerApp.RunAsync(options, loggers, cancel);
        }));
        return root;
    }

    /// <summary><c>counts</c>: the stream counts alone, on the streams page and/or the terminal.</summary>
    private static Command CountsCommand()
    {
        var kafkaConnection = Flags.KafkaConnection();
        var streams = new StreamCountsFlags("");
        var host = HostFlag();
        var port = PortFlag();
        var text = Flags.Create("--text", "TOPUP_COUNTS_TEXT", false,
            "Print each closed bucket's counts on the terminal instead of serving the streams page");
        var command = new Command("counts",
            "Counts the records arriving on Kafka topics (a plain consumer, no streaming engine), per topic and per value of --group-by, " +
            "in --bucket buckets and in the last --window by processing time, marking records whose ts is older than their bucket as late: " +
            "live line charts at /streams (the map dashboard's look) or a terminal table (--text)")
        {
            host, port, text,
        };
        streams.AddTo(command);
        kafkaConnection.AddTo(command);
        command.SetAction(WithKafka(kafkaConnection, (parse, kafka, loggers, cancel) =>
            ConsumerApp.RunCountsAsync(new CountsOptions(kafka, streams.Resolve(parse), Accept.ListenAddressOf(parse.GetValue(host)!), parse.GetValue(port),
                parse.GetValue(text)), loggers, cancel)));
        return command;
    }

    /// <summary>A command's action with its loggers and Kafka settings; settings librdkafka cannot use end it with one line and exit code 2.</summary>
    private static Func<ParseResult, CancellationToken, Task<int>> WithKafka(
        KafkaConnectionFlags kafkaConnection, Func<ParseResult, KafkaSettings, ILoggerFactory, CancellationToken, Task<int>> run) =>
        async (parse, cancel) =>
        {
            using var loggers = ProgramLogging.Create();
            KafkaSettings kafka;
            try
            {
                kafka = kafkaConnection.Resolve(parse, loggers);
            }
            catch (KafkaSettingsException e)
            {
                loggers.CreateLogger("consumer").LogError("{Reason}", e.Message);
                return 2;
            }
            return await run(parse, kafka, loggers, cancel);
        };

    private static Flag<string> HostFlag() =>
        Flags.Create("--host", "TOPUP_DASHBOARD_HOST", "127.0.0.1",
                "Address the dashboard listens on; loopback by default (any other address makes it readable from the network)")
            .Accepting(Accept.ListenAddress);

    private static Flag<int> PortFlag() =>
        Flags.Create("--port", "TOPUP_DASHBOARD_PORT", 8050, "Port of the dashboard (0: any free port, shown in the log)").Accepting(Accept.Between(0, 65535));
}
