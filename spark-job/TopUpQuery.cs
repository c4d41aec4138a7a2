using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Schema;
using TopUpSpark.Scoring;
using TopUpSpark.Streaming;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Operators;
using TopUpSpark.Streaming.Tasks;

namespace TopUpSpark.Job;

/// <summary>
/// The TopUp streaming query, step for step as the course's Task 2. It runs on TopUpSpark's embedded
/// micro-batch engine (Apache Spark cannot be installed here), with Spark's Structured Streaming semantics.
/// </summary>
public static class TopUpQuery
{
    /// <summary>The customer column the per-state counts group by.</summary>
    public const string StateColumn = "State";

    private const string TopUpMonth = "Top-up Month";

    public static StreamingQuery Start(TopUpJobOptions options, KafkaSettings kafka, TopUpSchema schema, ITopUpModel model,
        StateCountsPublisher publisher, KafkaDeadLetterSink deadLetters, ILoggerFactory loggers, RedisPredictionSink? serving = null)
    {
        // 2.1 A session with two local cores, an application name and UTC as its time zone.
        var spark = StreamingSession.CreateBuilder()
            .AppName(options.AppName)
            .Master($"local[{options.Cores}]")
            .Config("spark.sql.session.timeZone", "UTC")
            .Logging(loggers)
            .GetOrCreate();

        // The join key and the event time are the ones the schema file declares.
        var key = JoinKey(schema);
        var eventTime = schema.EventTimeColumn;

        // 2.2 Read both topics; the values are JSON objects of strings.
        var customerMessages = spark.ReadKafka(kafka, options.CustomerTopic, options.StartingOffsets, options.FailOnDataLoss, options.BrokerTimeout);
        var bureauMessages = spark.ReadKafka(kafka, options.BureauTopic, options.StartingOffsets, options.FailOnDataLoss, options.BrokerTimeout);

        // 2.3 Cast every column by the schema file, and watermark both streams on ts (5 s late at most).
        var bounds = EventTimeBounds.Default with { MaxAheadOfNow = options.MaxEventTimeAhead };
        var customers = customerMessages
            .ParseJson(schema.Customer, eventTime, options.MaxMessageBytes)
            .Cast(bounds)
            .WithWatermark(eventTime, options.WatermarkDelay, "customer");
        var bureau = bureauMessages
            .ParseJson(schema.Bureau, eventTime, options.MaxMessageBytes)
            .Cast(bounds)
            .WithWatermark(eventTime, options.WatermarkDelay, "bureau");

        // 2.4 Bureau rows per ID in 30 s windows: numeric columns (SELF-INDICATOR is 1/0) summed as
        //     <col>_sum, every other column counted as <col>_dist (exact distinct non-null values).
        var aggregates = schema.Bureau.Columns
            .Where(column => column.Name != key)
            .Select(column => column.Type.IsNumeric()
                ? AggregateFunction.Sum(column.Name, column.Name + "_sum")
                : AggregateFunction.CountDistinct(column.Name, column.Name + "_dist"))
            .ToList();
        var bureauWindows = bureau.GroupByWindow(eventTime, options.WindowLength, key, aggregates);

        // 2.5 window_start / window_end, and the inner join with customers on the key where window_start ≤ ts ≤ window_end.
        //     Only the columns the outputs and the model read enter the join and its state: Spark's optimizer
        //     prunes the others by itself; here the pruning is written out.
        var modelInputs = model.NumericInputs.Concat(model.CategoricalInputs).ToHashSet();
        const string windowStart = WindowAggregate.WindowStartColumn, windowEnd = WindowAggregate.WindowEndColumn;
        string[] outputColumns = [key, windowStart, windowEnd, eventTime, TopUpMonth, StateColumn];
        var joined = bureauWindows.Select(bureauWindows.Schema.Names.Where(c => outputColumns.Contains(c) || modelInputs.Contains(c)).ToArray())
            .JoinWindowsWith(customers.Select(customers.Schema.Names.Where(c => outputColumns.Contains(c) || modelInputs.Contains(c)).ToArray()),
                key, windowStart, windowEnd, eventTime, options.WindowLength);

        // 2.6 The joined rows to parquet.
        joined.Select(key, windowStart, windowEnd, eventTime, $"{TopUpMonth} AS Top-up_Month")
            .WriteParquet(options.JoinedDirectory);

        // 2.7 Score every joined row with the model through a UDF; predictions to parquet.
        var udf = new ScoringUdf(model, joined.Schema, loggers.CreateLogger("udf.score"));
        var withScores = joined.WithColumns("score (model UDF)", ScoringUdf.Columns, udf.Score);
        var scoringIssue = withScores.Schema.Ordinal(ScoringUdf.IssueColumn);
        var scored = withScores.Where("the model did not skip the row", row => row[scoringIssue] as string != ScoringUdf.SkippedMarker);
        scored.Select(key, windowStart, windowEnd, eventTime, $"{TopUpMonth} AS Top-up_Month", ScoringUdf.PredictionColumn, ScoringUdf.ProbabilityColumn)
            .WriteParquet(options.PredictionsDirectory);

        // 2.8 Keep prediction = 1; per batch, log the epoch id and the count and publish per window end
        //     the per-state counts to topup-by-state — once: a batch replayed after a crash is not published again.
        var prediction = scored.Schema.Ordinal(ScoringUdf.PredictionColumn);
        scored
            .Where("prediction = 1", row => row[prediction] is 1.0)
            .Select(windowEnd, StateColumn)
            .ForeachBatch($"publish per-state counts to {options.OutputTopic}", publisher.Publish, once: true);

        // Serving (beyond the course): each customer's latest prediction, and the per-state counts, to Redis for topup-api.
        if (serving is not null)
            scored.Select(serving.Columns).ForeachBatch("latest predictions to Redis", serving.Write);

        // 2.9 One instance runs every task (partition number of the inputs), or a share of them: fixed, or handed out
        //     by a Kafka consumer group that moves a stopped member's tasks to the others.
        return spark.Start(new StreamingQueryOptions
        {
            Name = options.AppName,
            CheckpointLocation = options.Checkpoint,
            Trigger = options.Trigger,
            MaxRecordsPerTrigger = options.MaxRecordsPerTrigger,
            FlushAtEnd = options.FlushAtEnd,
            ProgressFile = options.ProgressFile,
            Instance = options.Instance,
            TaskAssignment = options.GroupId is { } group
                ? new KafkaGroupTaskAssignment(kafka, group, options.Instance, options.BrokerTimeout, loggers.CreateLogger("group"))
                : new StaticTaskAssignment(options.Tasks),
            WaitForOtherTasks = options.BrokerTimeout,
        }, deadLetters);
    }

    /// <summary>The key both datasets declare: the windows and the customers are joined on it.</summary>
    private static string JoinKey(TopUpSchema schema) =>
        schema.Customer.KeyColumn == schema.Bureau.KeyColumn
            ? schema.Customer.KeyColumn
            : throw new SchemaException(
                $"the job joins bureau windows with customers on their key, but the schema file gives them different keys: customer '{schema.Customer.KeyColumn}', bureau '{schema.Bureau.KeyColumn}'");
}
