using System.CommandLine;
using DuckDB.NET.Data;
using TopUpSpark.Analytics.Kafka;
using TopUpSpark.Analytics.Sql;
using TopUpSpark.Core;
using TopUpSpark.Core.Cli;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Logging;

namespace TopUpSpark.Analytics;

/// <summary>
/// <c>topup-sql</c>: DuckDB SQL over what the job lands — its parquet outputs as views <c>joined</c> and
/// <c>predictions</c>, its per-state counts and dead letters read from Kafka into <c>topup_by_state</c> and
/// <c>dead_letters</c> — one query from the command line or an interactive prompt; and, under <c>kafka</c>, a
/// kcat-style look at any topic (<see cref="TopicInspectorCommand"/>).
/// </summary>
public static class SqlCommand
{
    public const string Name = "topup-sql";

    /// <summary>
    /// The command line's command: the topic inspector when it starts with <c>kafka</c>, else SQL. Two roots rather
    /// than a subcommand, so that the inspector's help does not list the SQL query among its arguments.
    /// </summary>
    public static RootCommand For(IReadOnlyList<string> args, TextWriter? output = null, TextReader? input = null) =>
        args is [TopicInspectorCommand.Name, ..] ? TopicInspectorCommand.CreateRoot(output) : Create(output, input);

    /// <param name="output">Where results go (stdout); logs and errors go to stderr.</param>
    /// <param name="input">Where the prompt reads statements (stdin).</param>
    public static RootCommand Create(TextWriter? output = null, TextReader? input = null)
    {
        var query = new Argument<string?>("query")
        {
            Description = "SQL to run, e.g. \"SELECT count(*) FROM predictions\"; without it, statements are read from a prompt (or from stdin when it is not a terminal)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var outputFolder = Flags.Create("--out", "TOPUP_OUT", "output", "The job's output folder (its --out), whose joined/ and predictions/ become views");
        var csv = Flags.Create("--csv", "TOPUP_SQL_CSV", false, "Print results as CSV with a header line");
        var json = Flags.Create("--json", "TOPUP_SQL_JSON", false, "Print results as a JSON array of objects");
        json.AcceptingWith((isJson, command) => isJson && csv.TryGetValue(command, out var isCsv) && isCsv
            ? $"{csv.Origin(command)} and {json.Origin(command)} exclude each other: choose one format"
            : null);
        var noKafka = Flags.Create("--no-kafka", "TOPUP_SQL_NO_KAFKA", false,
            "Do not read Kafka: no views dead_letters and topup_by_state, even when a broker is given or the embedded one runs");
        var outputTopic = Flags.Create("--output-topic", "TOPUP_OUTPUT_TOPIC", Topics.TopUpByState, "Topic of the per-state counts, read into view topup_by_state")
            .Accepting(Accept.TopicName);
        var deadLetterTopics = Flags.Create("--dead-letter-topics", "TOPUP_DEAD_LETTER_TOPICS",
                string.Join(',', Topics.DeadLetter(Topics.Customer), Topics.DeadLetter(Topics.Bureau)),
                "Comma-separated dead-letter topics, read into view dead_letters")
            .Accepting(list => TopicList(list).Select(Accept.TopicName).FirstOrDefault(problem => problem is not null));
        var brokerTimeout = BrokerTimeoutFlag();
        var kafka = Flags.KafkaConnection();

        var root = new RootCommand(
            "DuckDB SQL over the streaming job's results: views joined and predictions over the parquet files of --out " +
            "(every job instance's; each row counted once), and, when Kafka is given by --bootstrap-servers or --kafka-config or the " +
            "embedded broker runs, views topup_by_state (per-state counts; parts repeated by a replayed batch counted once) and " +
            "dead_letters (rejected input messages with reason and origin; repeats counted once). Times are UTC. " +
            "A query DuckDB refuses prints its message and exits 1. 'topup-sql kafka --help': the topic inspector.")
        {
            query, outputFolder, csv, json, noKafka, outputTopic, deadLetterTopics, brokerTimeout,
        };
        kafka.AddTo(root);
        root.SetAction((parse, cancel) =>
        {
            var stdout = output ?? Console.Out;
            var stderr = parse.InvocationConfiguration.Error ?? Console.Error;
            using var interrupt = EndOnInterrupt(cancel, stderr);
            using var loggers = ProgramLogging.Create(toStandardError: true);
            var log = loggers.CreateLogger("topup-sql");
            using var connection = new DuckDBConnection("DataSource=:memory:");
            connection.Open();
            using (var utc = connection.CreateCommand())
            {
                // Timestamps print as UTC whatever the machine's zone, as every part of the pipeline keeps them.
                utc.CommandText = "SET TimeZone = 'UTC'";
                utc.ExecuteNonQuery();
            }
            var views = new SessionViews();
            OutputViews.Register(connection, parse.GetValue(outputFolder)!, views, log);
            if (WhyNoKafka(parse, noKafka, kafka) is { } why)
            {
                foreach (var view in TopicViews.All) views.Undefined(view, why);
            }
            else
            {
                var settings = kafka.Resolve(parse, loggers);
                using var reader = new KafkaTopicReader(settings, new KafkaOutage(settings.BootstrapServers, parse.GetValue(brokerTimeout), log), log);
                var topicViews = new TopicViews(reader, log);
                topicViews.LoadTopUpByState(connection, parse.GetValue(outputTopic)!);
                topicViews.LoadDeadLetters(connection, TopicList(parse.GetValue(deadLetterTopics)!));
                foreach (var view in TopicViews.All) views.Defined(view);
            }
            var format = parse.GetValue(csv) ? ResultFormat.Csv : parse.GetValue(json) ? ResultFormat.Json : ResultFormat.Table;
            var shell = new SqlShell(connection, views, format, stdout, stderr, Name);
            if (parse.GetValue(query) is { } sql)
            {
                if (string.IsNullOrWhiteSpace(sql))
                {
                    stderr.WriteLine($"{Name}: error: the query is empty");
                    return Task.FromResult(1);
                }
                return Task.FromResult(shell.Run(sql) ? 0 : 1);
            }
            var interactive = input is null && !Console.IsInputRedirected;
            return Task.FromResult(shell.Repl(input ?? Console.In, interactive));
        });
        return root;
    }

    /// <summary>
    /// Ctrl-C or SIGTERM ends the program at once, exit code 0 like every program here: neither a prompt waiting for
    /// a line nor a running DuckDB query or Kafka read can be told to stop, and an in-memory session has nothing to save.
    /// </summary>
    internal static CancellationTokenRegistration EndOnInterrupt(CancellationToken cancel, TextWriter error) =>
        cancel.Register(() =>
        {
            error.WriteLine();
            error.WriteLine($"{Name}: interrupted");
            error.Flush();
            Environment.Exit(0);
        });

    /// <summary>Why Kafka is not read, or null when it is: given by a flag or setting, or the embedded broker runs.</summary>
    private static string? WhyNoKafka(ParseResult parse, Flag<bool> noKafka, KafkaConnectionFlags kafka)
    {
        if (parse.GetValue(noKafka)) return $"{noKafka.Origin(parse.CommandResult)} is set";
        var given = parse.GetValue(kafka.BootstrapServers) is not null || parse.GetValue(kafka.ConfigFile) is not null
                    || parse.GetValue(kafka.Settings) is { Length: > 0 };
        return given || BootstrapFile.TryRead() is not null
            ? null
            : $"no Kafka given (--bootstrap-servers, --kafka-config) and no embedded broker running (none announced in {BootstrapFile.DefaultPath})";
    }

    /// <summary>--broker-timeout, as the job names it; short here, since someone is waiting for an answer.</summary>
    internal static Flag<TimeSpan> BrokerTimeoutFlag() =>
        Flags.Duration("--broker-timeout", "TOPUP_BROKER_TIMEOUT", TimeSpan.FromSeconds(10),
            "How long to wait for a Kafka that does not answer before giving up").Accepting(Accept.Positive);

    // Empty names are kept, so that "a,,b" is refused rather than read as fewer topics.
    internal static string[] TopicList(string list) => list.Split(',', StringSplitOptions.TrimEntries);
}
