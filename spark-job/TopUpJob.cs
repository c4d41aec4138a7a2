using System.Reflection;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Schema;
using TopUpSpark.Job.Ui;
using TopUpSpark.Scoring;
using TopUpSpark.Serving;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Sinks;

namespace TopUpSpark.Job;

/// <summary>Wires the TopUp query to Kafka, the model and its outputs, runs it, and reports a summary.</summary>
public static class TopUpJob
{
    /// <summary>The job's own code, as opposed to its libraries: compiled ahead of the first batch.</summary>
    public static IReadOnlyList<Assembly> OwnAssemblies { get; } =
        [typeof(TopUpJob).Assembly, typeof(StreamingQuery).Assembly, typeof(ITopUpModel).Assembly, typeof(KafkaSettings).Assembly];

    /// <summary>
    /// What runs on the streaming UI's request threads, the Redis sink of a job without Redis, and what only loads
    /// <paramref name="model"/> (done before compiling ahead).
    /// </summary>
    public static IReadOnlySet<Type> OffTheBatchPath(TopUpJobOptions options, ITopUpModel model)
    {
        HashSet<Type> types = [typeof(StreamingUi), typeof(StreamingUiPayload), typeof(StreamingUiFigures), ..ModelFile.LoadingOnly(model)];
        if (options.Redis is null) types.Add(typeof(RedisPredictionSink));
        return types;
    }

    /// <param name="uiListening">Told where the streaming UI listens, once it does (with <see cref="TopUpJobOptions.Ui"/>).</param>
    public static async Task<JobSummary> RunAsync(TopUpJobOptions options, KafkaSettings kafka, ILoggerFactory loggers, CancellationToken cancel,
        Action<Uri>? uiListening = null)
    {
        var log = loggers.CreateLogger("topup-job");
        var schema = TopUpSchema.LoadOrDefault(options.SchemaFile);
        var model = ModelFile.Load(options.ModelFile, options.AssemblerInvalid);
        log.LogInformation("TopUp job '{App}' on the embedded engine (local[{Cores}], UTC), Kafka {Bootstrap}, model {Model} ({Kind}), trigger {Trigger}, output {Out}",
            options.AppName, options.Cores, kafka.BootstrapServers, options.ModelFile, model.Kind, options.Trigger, Path.GetFullPath(options.OutputDirectory));
        Directory.CreateDirectory(options.OutputDirectory);
        var compiled = CompileAhead.Compile(OwnAssemblies, options.Cores, OffTheBatchPath(options, model));
        log.LogInformation("compiled {Methods} methods of the job, engine, model runtime and Kafka code ahead of the first batch in {Millis:0} ms ({NotCompiled} left to their first call)",
            compiled.Methods, compiled.Elapsed.TotalMilliseconds, compiled.NotCompiled);
        using var publisher = new StateCountsPublisher(SinkProducer(kafka, options, "publisher"), options.OutputTopic, TopUpQuery.StateColumn,
            Outage(kafka, options, loggers, "publish"), kafka.ClientLog(loggers.CreateLogger("publish"), $"{options.AppName}-publisher"));
        using var deadLetters = new KafkaDeadLetterSink(SinkProducer(kafka, options, "dlq"), MaxDeadLetterBytes(kafka, options),
            Outage(kafka, options, loggers, "dead-letters"), kafka.ClientLog(loggers.CreateLogger("dead-letters"), $"{options.AppName}-dlq"));
        using var redis = options.Redis is { } endpoint
            ? await ConnectedPredictionStore.ConnectAsync(endpoint, options.RedisKeyPrefix, options.RedisTtl, TimeSpan.FromSeconds(10))
            : null;
        var serving = redis is null ? null : new RedisPredictionSink(redis.Store, ModelId(options.ModelFile), TimeProvider.System,
            loggers.CreateLogger("redis"), schema.Customer.KeyColumn, schema.EventTimeColumn, TopUpQuery.StateColumn);
        if (redis is not null)
            log.LogInformation("latest predictions go to Redis at {Redis} (keys {Prefix}prediction:<ID>, TTL {Ttl})", options.Redis, options.RedisKeyPrefix,
                options.RedisTtl?.ToString() ?? "none");
        using var health = new BatchHealthPublisher(SinkProducer(kafka, options, "health"), options.ProgressTopic,
            kafka.ClientLog(loggers.CreateLogger("health"), $"{options.AppName}-health"));
        using var query = TopUpQuery.Start(options, kafka, schema, model, publisher, deadLetters, loggers, serving);
        query.Progress += health.Publish;
        await using var ui = options.Ui is { } where ? await StreamingUi.StartAsync(where, query, options.Instance, loggers, cancel) : null;
        if (ui is not null) uiListening?.Invoke(ui.Address);
        string? failure = null;
        try
        {
            await query.RunAsync(cancel);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            failure = e.Message;
            log.LogError(e, "the query stopped on an error: {Message}", e.Message);
        }
        var totals = query.Totals;
        var millis = totals.BatchMillis.Order().ToList();
        var summary = new JobSummary(
            totals.Batches, totals.InputRows,
            totals.SinkRows.GetValueOrDefault(new ParquetSink(options.JoinedDirectory).Description),
            totals.SinkRows.GetValueOrDefault(new ParquetSink(options.PredictionsDirectory).Description),
            publisher.TopUpsPublished, publisher.MessagesPublished,
            totals.LateRowsDropped, totals.DeadLetters, totals.InvalidValues, totals.LostRecords,
            Percentile(millis, 0.50), Percentile(millis, 0.99), query.CurrentWatermark,
            System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024), failure);
        File.WriteAllText(options.SummaryFile, JsonSerializer.Serialize(summary, JobSummary.Json));
        log.LogInformation("summary: {Summary}", summary);
        return summary;
    }

    /// <summary>The model's file name and the start of its SHA-256: which model scored a prediction, even after the file was replaced.</summary>
    public static string ModelId(string modelFile)
    {
        using var file = File.OpenRead(modelFile);
        return $"{Path.GetFileName(modelFile)}@{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file))[..12]}";
    }

    private static KafkaOutage Outage(KafkaSettings kafka, TopUpJobOptions options, ILoggerFactory loggers, string category) =>
        new(kafka.BootstrapServers, options.BrokerTimeout, loggers.CreateLogger(category));

    /// <summary>
    /// A sink's producer keeps trying to deliver for as long as the job waits for Kafka: librdkafka's own
    /// message timeout (5 min by default) must not give up before the outage limit does.
    /// </summary>
    private static ProducerConfig SinkProducer(KafkaSettings kafka, TopUpJobOptions options, string name)
    {
        var config = kafka.FlushingProducer($"{options.AppName}-{name}");
        if (!config.Any(setting => setting.Key is "message.timeout.ms" or "delivery.timeout.ms"))
            config.MessageTimeoutMs = (int)Math.Min(int.MaxValue, (options.BrokerTimeout + TimeSpan.FromMinutes(1)).TotalMilliseconds);
        return config;
    }

    /// <summary>What the broker takes (the producer's <c>message.max.bytes</c>), and no more than an input message may weigh.</summary>
    private static int MaxDeadLetterBytes(KafkaSettings kafka, TopUpJobOptions options) =>
        Math.Min(options.MaxMessageBytes,
            kafka.PassThrough.TryGetValue("message.max.bytes", out var configured) && int.TryParse(configured, out var limit) && limit > 0
                ? limit
                : KafkaDeadLetterSink.DefaultMaxLetterBytes);

    private static long Percentile(List<long> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}

/// <summary>What a run did, printed on stop and written to <c>summary.json</c>.</summary>
public sealed record JobSummary(
    long Batches, long InputRows, long JoinedRows, long ScoredRows, long PredictedTopUps, long MessagesPublished,
    long LateRowsDropped, long DeadLetters, long InvalidValues, long LostRecords, long BatchMillisP50, long BatchMillisP99,
    DateTimeOffset? Watermark, long PeakWorkingSetMiB, string? Error)
{
    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public bool Failed => Error is not null;

    public override string ToString() => FormattableString.Invariant(
        $"{Batches:N0} batches, {InputRows:N0} input rows, {JoinedRows:N0} joined, {ScoredRows:N0} scored, {PredictedTopUps:N0} predicted top-ups in {MessagesPublished:N0} message(s), {LateRowsDropped:N0} late rows dropped, {DeadLetters:N0} dead letters, {InvalidValues:N0} invalid values, batch p50 {BatchMillisP50} ms / p99 {BatchMillisP99} ms, peak RSS {PeakWorkingSetMiB} MiB{(Error is null ? "" : "; FAILED: " + Error)}");
}
