using System.CommandLine;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core;
using TopUpSpark.Core.Cli;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Logging;
using TopUpSpark.Core.Schema;

namespace TopUpSpark.Producer.Cli;

/// <summary>
/// The producer's flags and action. Built once for the root command (running the producer is the
/// default) and once for <c>run</c>, because a System.CommandLine option belongs to one command.
/// </summary>
internal sealed class RunCommand
{
    private readonly Option<string> _data = Flags.Create("--data", "TOPUP_DATA_DIR", "data",
        "Folder holding customer.csv and bureau.csv");
    private readonly Option<string?> _customerFile = Flags.Create<string?>("--customer-file", "TOPUP_CUSTOMER_FILE", null,
        "Customer CSV; default: <data>/customer.csv");
    private readonly Option<string?> _bureauFile = Flags.Create<string?>("--bureau-file", "TOPUP_BUREAU_FILE", null,
        "Bureau CSV; default: <data>/bureau.csv");
    private readonly Option<string?> _schema = Flags.Create<string?>("--schema", "TOPUP_SCHEMA", null,
        "Schema file the CSV headers are checked against; default: the one shipped beside the program");
    private readonly Option<string> _customerTopic = Flags.Create("--customer-topic", "TOPUP_CUSTOMER_TOPIC", Topics.Customer,
        "Topic for customer rows").Accepting(Accept.TopicName);
    private readonly Option<string> _bureauTopic = Flags.Create("--bureau-topic", "TOPUP_BUREAU_TOPIC", Topics.Bureau,
        "Topic for bureau rows").Accepting(Accept.TopicName);
    private readonly Option<double> _interval = Flags.Create("--interval", "TOPUP_INTERVAL_SECONDS", 5.0,
        "Seconds between batches; in --replay mode the event-time step between batches")
        .Accepting(Accept.Above(0.0)).Accepting(Accept.AtMost(MaxIntervalSeconds));
    private readonly Flag<int> _minCustomers = Flags.Create("--min-customers", "TOPUP_MIN_CUSTOMERS", 10,
        "Fewest customers per batch (inclusive)").Accepting(Accept.AtLeast(1));
    private readonly Flag<int> _maxCustomers = Flags.Create("--max-customers", "TOPUP_MAX_CUSTOMERS", 30,
        "Most customers per batch (inclusive)").Accepting(Accept.AtLeast(1));
    private readonly Option<int?> _seed = Flags.Create<int?>("--seed", "TOPUP_PRODUCER_SEED", null,
        "Seed of the random batch sizes; default: a fresh one each run");
    private readonly Option<long?> _batches = Flags.Create<long?>("--batches", "TOPUP_BATCHES", null,
        "Stop after this many batches; default: run until stopped").Accepting(Accept.AtLeast(1L));
    private readonly Option<bool> _stopAtEnd = Flags.Create("--stop-at-end", "TOPUP_STOP_AT_END", false,
        "Stop after the last customer instead of starting again from the top");
    private readonly Flag<bool> _replay = Flags.Create("--replay", "TOPUP_REPLAY", false,
        "Send as fast as possible; batch k is stamped ts = start-ts + k*interval");
    private readonly Flag<long?> _startTs = Flags.Create<long?>("--start-ts", "TOPUP_START_TS", null,
        "Event time (Unix seconds) of the first --replay batch; default: now").Accepting(Accept.UnixTimeBetween(EarliestStart, LatestStart));
    private readonly Flag<CountRange> _late = Flags.Range("--late", "TOPUP_LATE", CountRange.None,
        "Customers of each batch (a random number MIN-MAX, at most the batch's) held back with their bureau rows and sent with the " +
        "next batch, keeping their ts: late data for the job's watermark; 0-0 sends everything on time");
    private readonly Option<int?> _lateSeed = Flags.Create<int?>("--late-seed", "TOPUP_LATE_SEED", null,
        "Seed of how many and which customers --late holds back; default: a fresh one each run");
    private readonly KafkaConnectionFlags _kafka = Flags.KafkaConnection();

    // A step of more than a day between batches is no longer a stream; the job's windows are seconds long.
    private const double MaxIntervalSeconds = 86_400;

    // The job dead-letters event times before 2000 (EventTimeBounds), so an earlier replay would all be lost;
    // the upper end keeps start + k·interval far from DateTimeOffset's limit.
    private static readonly DateTimeOffset EarliestStart = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LatestStart = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static RootCommand Root()
    {
        var flags = new RunCommand();
        var root = new RootCommand(
            "Replays customer.csv and bureau.csv into Kafka as the course's Task 1: every --interval seconds the next " +
            "--min-customers..--max-customers customers (file order) go to the customer topic and all bureau rows of those " +
            "IDs to the bureau topic, one ts per batch. Running the producer is the default command; 'generate' writes " +
            "synthetic data; 'stream' replays any CSV into one topic.");
        flags.AddTo(root);
        var run = new Command("run", "Run the producer (the same as giving no command)");
        new RunCommand().AddTo(run);
        root.Subcommands.Add(run);
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(StreamCommand.Create());
        return root;
    }

    private void AddTo(Command command)
    {
        Option[] options =
        [
            _data, _customerFile, _bureauFile, _schema, _customerTopic, _bureauTopic, _interval,
            _minCustomers, _maxCustomers, _seed, _batches, _stopAtEnd, _replay, _startTs, _late, _lateSeed,
        ];
        foreach (var option in options) command.Options.Add(option);
        _kafka.AddTo(command);
        Flags.NotAbove(_minCustomers, _maxCustomers);
        _startTs.Requires(start => start is not null, result => _replay.TryGetValue(result, out var replay) && replay,
            "--replay: without it every batch is stamped with the time it is sent");
        command.SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancel)
    {
        using var loggerFactory = ProgramLogging.Create();
        var logger = loggerFactory.CreateLogger("producer");
        try
        {
            var options = new ProducerOptions
            {
                CustomerTopic = parse.GetValue(_customerTopic)!,
                BureauTopic = parse.GetValue(_bureauTopic)!,
                Interval = TimeSpan.FromSeconds(parse.GetValue(_interval)),
                MinCustomers = parse.GetValue(_minCustomers),
                MaxCustomers = parse.GetValue(_maxCustomers),
                Seed = parse.GetValue(_seed),
                MaxBatches = parse.GetValue(_batches),
                StopAtEnd = parse.GetValue(_stopAtEnd),
                Replay = parse.GetValue(_replay),
                ReplayStart = parse.GetValue(_startTs) is { } startTs ? DateTimeOffset.FromUnixTimeSeconds(startTs) : null,
                Late = parse.GetValue(_late),
                LateSeed = parse.GetValue(_lateSeed),
            };
            options.Validate();
            var kafka = _kafka.Resolve(parse, loggerFactory);
            var schema = TopUpSchema.LoadOrDefault(parse.GetValue(_schema));
            var data = parse.GetValue(_data)!;
            var input = TopUpInput.Load(
                parse.GetValue(_customerFile) ?? Path.Combine(data, "customer.csv"),
                parse.GetValue(_bureauFile) ?? Path.Combine(data, "bureau.csv"),
                schema, logger);
            logger.LogInformation(
                "producing to {Bootstrap}: topics {CustomerTopic} and {BureauTopic}, {Min}-{Max} customers per batch ({Late} held back to the next), {Mode}",
                kafka.BootstrapServers, options.CustomerTopic, options.BureauTopic, options.MinCustomers, options.MaxCustomers, options.Late,
                options.Replay ? $"replay (ts step {options.Interval.TotalSeconds} s)" : $"every {options.Interval.TotalSeconds} s");
            var producer = new TopUpProducer(input, kafka, options, logger);
            var summary = await producer.RunAsync(cancel);
            return summary.DeliveryFailures == 0 ? 0 : 1;
        }
        catch (Exception e) when (e is InputDataException or SchemaException or KafkaSettingsException or KafkaException or ArgumentException)
        {
            logger.LogError("{Message}", e.Message);
            return 1;
        }
    }
}
