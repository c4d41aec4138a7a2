using System.CommandLine;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Cli;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Logging;

namespace TopUpSpark.Producer.Cli;

/// <summary><c>stream</c>: any CSV replayed into one topic, a fresh random number of rows per group value every interval.</summary>
internal static class StreamCommand
{
    public static Command Create()
    {
        var file = Flags.Create<string?>("--file", "TOPUP_STREAM_FILE", null, "CSV to replay (a header line, then rows)").MustBeSet();
        file.HelpName = "FILE";
        var topic = Flags.Create<string?>("--topic", "TOPUP_STREAM_TOPIC", null, "Topic to send the rows to").MustBeSet().Accepting(Accept.TopicName);
        var key = Flags.Create<string?>("--key", "TOPUP_STREAM_KEY", null, "Column whose value keys each message").MustBeSet();
        key.HelpName = "COLUMN";
        var groupBy = Flags.Create<string?>("--group-by", "TOPUP_STREAM_GROUP_BY", null,
            "Column whose values each get --count rows per batch (e.g. a machine id); default: --count rows of the whole file");
        groupBy.HelpName = "COLUMN";
        var count = Flags.Range("--count", "TOPUP_STREAM_COUNT", new CountRange(1, 5),
                "Rows per batch and group value, a fresh random number MIN-MAX each time, in file order, wrapping at the end")
            .Accepting(range => range.Min >= 1 ? null : $"must have MIN at least 1, got {range}");
        var interval = Flags.Duration("--interval", "TOPUP_STREAM_INTERVAL", TimeSpan.FromSeconds(5), "Time between batches")
            .Accepting(Accept.Positive).Accepting(value => value <= TimeSpan.FromDays(1) ? null : $"must be at most 1d, got {Duration.Format(value)}");
        var late = Flags.Range("--late", "TOPUP_STREAM_LATE", CountRange.None,
            "Rows of each batch (a random number MIN-MAX, at most the batch's) held back and sent with the next batch, keeping their ts");
        var seed = Flags.Create<int?>("--seed", "TOPUP_STREAM_SEED", null, "Seed of the rows per batch; default: a fresh one each run");
        var lateSeed = Flags.Create<int?>("--late-seed", "TOPUP_STREAM_LATE_SEED", null, "Seed of how many and which rows --late holds back; default: a fresh one each run");
        var batches = Flags.Create<long?>("--batches", "TOPUP_STREAM_BATCHES", null, "Stop after this many batches; default: run until stopped")
            .Accepting(Accept.AtLeast(1L));
        var kafka = Flags.KafkaConnection();
        var command = new Command("stream",
            "Replays any CSV into one topic: every --interval, for each value of --group-by, a fresh random --count of its next rows " +
            "(file order, wrapping at the end), each as a JSON object of its columns plus ts, keyed by --key; --late holds rows back one batch")
        {
            file, topic, key, groupBy, count, interval, late, seed, lateSeed, batches,
        };
        kafka.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            using var loggers = ProgramLogging.Create();
            var logger = loggers.CreateLogger("producer");
            try
            {
                var options = new CsvStreamOptions
                {
                    File = parse.GetValue(file)!,
                    Topic = parse.GetValue(topic)!,
                    KeyColumn = parse.GetValue(key)!,
                    GroupByColumn = parse.GetValue(groupBy),
                    Count = parse.GetValue(count),
                    Interval = parse.GetValue(interval),
                    Late = parse.GetValue(late),
                    Seed = parse.GetValue(seed),
                    LateSeed = parse.GetValue(lateSeed),
                    MaxBatches = parse.GetValue(batches),
                };
                var settings = kafka.Resolve(parse, loggers);
                var producer = new CsvStreamProducer(options, settings, logger);
                logger.LogInformation("streaming {File} to {Topic} on {Bootstrap}: {Count} rows per {Group} every {Interval}, {Late} held back to the next batch",
                    options.File, options.Topic, settings.BootstrapServers, options.Count, options.GroupByColumn is { } column ? $"value of {column}" : "batch",
                    Duration.Format(options.Interval), options.Late);
                var summary = await producer.RunAsync(cancel);
                return summary.DeliveryFailures == 0 ? 0 : 1;
            }
            catch (Exception e) when (e is InputDataException or KafkaSettingsException or KafkaException or ArgumentException)
            {
                logger.LogError("{Message}", e.Message);
                return 1;
            }
        });
        return command;
    }
}
