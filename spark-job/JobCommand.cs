using System.CommandLine;
using TopUpSpark.Core.Cli;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Job.Ui;
using TopUpSpark.Scoring;
using TopUpSpark.Serving;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Sources;

namespace TopUpSpark.Job;

/// <summary>The job's command line: every flag with its environment variable and default.</summary>
public static class JobCommand
{
    public static RootCommand Create()
    {
        var kafka = Flags.KafkaConnection();
        var trigger = Flags.Create("--trigger", "TOPUP_TRIGGER", "default",
            "When batches run: 'default' (as soon as new data is there), an interval such as 5s, or 'available-now' (process what is there, then stop)")
            .Accepting(Accept.ParsedBy(Trigger.Parse, "default, available-now or a positive interval such as 5s"));
        var output = Flags.Create("--out", "TOPUP_OUT", "output", "Output folder: joined/, predictions/, checkpoint/, progress.jsonl, summary.json");
        var checkpoint = Flags.Create<string?>("--checkpoint", "TOPUP_CHECKPOINT", null, "Checkpoint folder (default <out>/checkpoint)");
        var model = Flags.Create("--model", "TOPUP_MODEL", "data/topup.model",
            "Model file from 'topup-models import-spark' or 'topup-models train'");
        var assemblerInvalid = Flags.Create("--assembler-invalid", "TOPUP_ASSEMBLER_INVALID", AssemblerInvalidHandling.Keep,
            "VectorAssembler handleInvalid for a converted Spark model: keep (null → NaN, the course's reference solution), error or skip");
        var cores = Flags.Create("--cores", "TOPUP_CORES", 2, "Threads of work at most, like local[N]").Accepting(Accept.AtLeast(1));
        var appName = Flags.Create("--app-name", "TOPUP_APP_NAME", "TopUpSpark", "Application name, shown in logs and progress");
        var customerTopic = Flags.Create("--customer-topic", "TOPUP_CUSTOMER_TOPIC", TopUpSpark.Core.Topics.Customer, "Topic of customer rows").Accepting(Accept.TopicName);
        var bureauTopic = Flags.Create("--bureau-topic", "TOPUP_BUREAU_TOPIC", TopUpSpark.Core.Topics.Bureau, "Topic of bureau rows").Accepting(Accept.TopicName);
        var outputTopic = Flags.Create("--output-topic", "TOPUP_OUTPUT_TOPIC", TopUpSpark.Core.Topics.TopUpByState, "Topic of per-state counts").Accepting(Accept.TopicName);
        var progressTopic = Flags.Create("--progress-topic", "TOPUP_PROGRESS_TOPIC", TopUpSpark.Core.Topics.Progress,
            "Topic of each batch's late rows dropped, dead letters and more, for the dashboard").Accepting(Accept.TopicName);
        var watermark = Flags.Duration("--watermark", "TOPUP_WATERMARK", TimeSpan.FromSeconds(5), "Watermark delay on ts for both streams").Accepting(Accept.NotNegative);
        var window = Flags.Duration("--window", "TOPUP_WINDOW", TimeSpan.FromSeconds(30), "Tumbling window length of the bureau aggregation").Accepting(Accept.Positive);
        var maxRecords = Flags.Create<long?>("--max-records-per-trigger", "TOPUP_MAX_RECORDS_PER_TRIGGER", null,
            "At most this many records per topic per batch (Spark's maxOffsetsPerTrigger); default: no limit").Accepting(Accept.AtLeast(1L));
        var starting = Flags.Create("--starting-offsets", "TOPUP_STARTING_OFFSETS", StartingOffsets.Earliest,
            "Where a query without a checkpoint starts: earliest or latest");
        var failOnDataLoss = Flags.Create("--fail-on-data-loss", "TOPUP_FAIL_ON_DATA_LOSS", true,
            "Stop when offsets jumped (data dropped by retention or the embedded broker's cap); false: count and log instead");
        var flush = Flags.Create("--flush-at-end", "TOPUP_FLUSH_AT_END", false,
            "With available-now: emit the still-open windows at the end (ends the stream for this checkpoint)");
        var maxMessageBytes = Flags.Create("--max-message-bytes", "TOPUP_MAX_MESSAGE_BYTES", 1 << 20, "Larger input messages go to the dead-letter topic")
            .Accepting(Accept.AtLeast(1));
        var maxAhead = Flags.Duration("--max-event-time-ahead", "TOPUP_MAX_EVENT_TIME_AHEAD", TimeSpan.FromDays(1),
            "Rows whose ts is further ahead of the clock go to the dead-letter topic instead of moving the watermark").Accepting(Accept.Positive);
        var brokerTimeout = Flags.Duration("--broker-timeout", "TOPUP_BROKER_TIMEOUT", KafkaOutage.DefaultLimit,
            "How long the job waits for a Kafka that does not answer (reads, offset look-ups, acknowledgements of its outputs) before it fails; it says every 15 s that it waits")
            .Accepting(Accept.Positive);
        var schema = Flags.Create<string?>("--schema", "TOPUP_SCHEMA", null, "Schema file (default: the schema/topup-schema.json shipped with the job)");
        var groupId = Flags.Create<string?>("--group-id", "TOPUP_GROUP_ID", null,
            "Run as a member of this Kafka consumer group: the members share the query's tasks (its inputs' partition numbers) and take over " +
            "those of a member that stops; all use the same --checkpoint, on storage they share, and the same --out; default: one instance runs every task");
        var tasks = Flags.Create<string?>("--tasks", "TOPUP_TASKS", null,
                "Run only these tasks, e.g. 0,3,5 (partition numbers): a fixed share for schedulers that start one instance per share; not with --group-id")
            .Accepting(value => value is null || TopUpJobOptions.TryParseTasks(value, out _) ? null : $"must be partition numbers separated by commas, e.g. 0,3,5, got '{value}'");
        tasks.AcceptingWith((value, command) => value is not null && groupId.TryGetValue(command, out var group) && group is not null
            ? "--tasks and --group-id: a consumer group shares the tasks out itself; give one or the other"
            : null);
        var instance = Flags.Create("--instance", "TOPUP_INSTANCE", TopUpJobOptions.DefaultInstance,
            "This instance's name: in the checkpoint's record of who runs each task, in logs and progress, and in its progress and summary file names when it shares --out");
        var uiHost = Flags.Create("--ui-host", "TOPUP_UI_HOST", "127.0.0.1",
                "Address the streaming UI listens on; loopback by default (any other address makes it readable from the network)")
            .Accepting(Accept.ListenAddress);
        var uiPort = Flags.Create("--ui-port", "TOPUP_UI_PORT", StreamingUiOptions.DefaultPort,
                $"Port of the streaming UI (charts of the query's progress, /api/progress); taken: the next of {StreamingUiOptions.PortAttempts} ports, as Spark's UI does; 0: any free port; the log says which")
            .Accepting(Accept.Between(0, 65535));
        var noUi = Flags.Create("--no-ui", "TOPUP_NO_UI", false, "Serve no streaming UI");
        var jitProfile = Flags.Create<string?>("--jit-profile", "TOPUP_JIT_PROFILE", JitProfile.DefaultDirectory,
            $"Folder of the job's JIT profile: the methods a run compiled, compiled in the background at the next start so its first batches do not wait for them; '{JitProfile.Off}': none");

        var redis = Flags.Create<string?>("--redis", "TOPUP_REDIS", null,
            "Redis HOST:PORT to which every scored row's customer's latest prediction (and per-state counts per window) is written for topup-api; default: no Redis sink")
            .Accepting(RedisConnection.Problem);
        var redisKeyPrefix = Flags.Create("--redis-key-prefix", "TOPUP_REDIS_KEY_PREFIX", "topup:", "Prefix of every Redis key the job writes (the API reads the same)");
        var redisTtl = Flags.Duration("--redis-ttl", "TOPUP_REDIS_TTL", TimeSpan.Zero, "How long a customer's prediction stays in Redis after its last write; 0: for good")
            .Accepting(Accept.NotNegative);

        var root = new RootCommand(
            "The TopUp streaming job (course Task 2): reads customer and bureau rows from Kafka, casts them by the schema, " +
            "aggregates bureau rows per ID in 30 s windows, joins them with customers, scores them with the model, writes parquet " +
            "and publishes per-state counts of predicted top-ups. It runs on TopUpSpark's embedded micro-batch engine, which " +
            "follows Spark Structured Streaming's semantics; it is not Apache Spark.")
        {
            trigger, output, checkpoint, model, assemblerInvalid, cores, appName, customerTopic, bureauTopic,
            outputTopic, progressTopic, watermark, window, maxRecords, starting, failOnDataLoss, flush, maxMessageBytes, maxAhead, brokerTimeout, schema,
            groupId, tasks, instance, redis, redisKeyPrefix, redisTtl, uiHost, uiPort, noUi, jitProfile,
        };
        kafka.AddTo(root);
        flush.Requires(flushes => flushes,
            result => !trigger.TryGetValue(result, out var when) || Trigger.Parse(when) is Trigger.AvailableNow,
            "--trigger available-now: other triggers never reach an end to flush at");
        root.SetAction(async (parse, cancel) =>
        {
            var loggers = Core.Logging.ProgramLogging.Create();
            JitProfile.Start(parse.GetValue(jitProfile), loggers.CreateLogger("topup-job"));
            var options = new TopUpJobOptions
            {
                AppName = parse.GetValue(appName)!,
                Cores = parse.GetValue(cores),
                Trigger = Trigger.Parse(parse.GetValue(trigger)!),
                OutputDirectory = parse.GetValue(output)!,
                CheckpointDirectory = parse.GetValue(checkpoint),
                ModelFile = parse.GetValue(model)!,
                AssemblerInvalid = parse.GetValue(assemblerInvalid),
                CustomerTopic = parse.GetValue(customerTopic)!,
                BureauTopic = parse.GetValue(bureauTopic)!,
                OutputTopic = parse.GetValue(outputTopic)!,
                ProgressTopic = parse.GetValue(progressTopic)!,
                WatermarkDelay = parse.GetValue(watermark),
                WindowLength = parse.GetValue(window),
                MaxRecordsPerTrigger = parse.GetValue(maxRecords),
                StartingOffsets = parse.GetValue(starting),
                FailOnDataLoss = parse.GetValue(failOnDataLoss),
                FlushAtEnd = parse.GetValue(flush),
                MaxMessageBytes = parse.GetValue(maxMessageBytes),
                MaxEventTimeAhead = parse.GetValue(maxAhead),
                BrokerTimeout = parse.GetValue(brokerTimeout),
                SchemaFile = parse.GetValue(schema),
                GroupId = parse.GetValue(groupId),
                Tasks = parse.GetValue(tasks) is { } list && TopUpJobOptions.TryParseTasks(list, out var numbers) ? numbers : null,
                Instance = parse.GetValue(instance)!,
                Redis = parse.GetValue(redis),
                RedisKeyPrefix = parse.GetValue(redisKeyPrefix)!,
                RedisTtl = parse.GetValue(redisTtl) is { } ttl && ttl > TimeSpan.Zero ? ttl : null,
                Ui = parse.GetValue(noUi) ? null : new StreamingUiOptions(Accept.ListenAddressOf(parse.GetValue(uiHost)!), parse.GetValue(uiPort)),
            };
            var summary = await TopUpJob.RunAsync(options, kafka.Resolve(parse, loggers), loggers, cancel);
            return summary.Failed ? 1 : 0;
        });
        return root;
    }
}
