using System.CommandLine;
using System.Globalization;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TopUpSpark.Analytics.Kafka;
using TopUpSpark.Analytics.Sql;
using TopUpSpark.Core.Cli;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Logging;
using TopUpSpark.Core.Messages;

namespace TopUpSpark.Analytics;

/// <summary>
/// <c>topup-sql kafka topics | tail TOPIC | count TOPIC</c>: a kcat-style look at the topics of the embedded broker
/// or any Kafka — what each holds, and its messages with partition, offset, time, key, headers (a dead letter's
/// reason and origin, a batch's query, batch id and tasks) and value. It reads without a consumer group and
/// commits nothing, so it changes nothing for the job or the dashboard.
/// </summary>
public static class TopicInspectorCommand
{
    public const string Name = "kafka";

    /// <summary>The root of a <c>topup-sql kafka …</c> command line (<see cref="SqlCommand.For"/>).</summary>
    public static RootCommand CreateRoot(TextWriter? output = null) =>
        new("The topic inspector of topup-sql: 'topup-sql kafka topics|tail|count --help'") { Subcommands = { Create(output) } };

    public static Command Create(TextWriter? output = null)
    {
        var command = new Command(Name, "Inspect Kafka topics (kcat-style): list them, count their messages, print their messages with keys, headers, partitions and offsets");
        command.Subcommands.Add(Topics(output));
        command.Subcommands.Add(Tail(output));
        command.Subcommands.Add(Count(output));
        return command;
    }

    private static Command Topics(TextWriter? output)
    {
        var command = new Command("topics", "List the topics (Kafka's internal ones left out) with their partitions and messages");
        AddReading(command, (reader, _, stdout) =>
        {
            var rows = reader.TopicNames().Select(reader.Offsets).OfType<TopicOffsets>()
                .Select(t => new[] { t.Topic, Number(t.Partitions.Count), Number(t.Messages) }).ToList();
            PrintTable(stdout, ["topic", "partitions", "messages"], rows, rightAligned: [false, true, true]);
            return 0;
        }, output);
        return command;
    }

    private static Command Count(TextWriter? output)
    {
        var topic = TopicArgument();
        var command = new Command("count", "Count a topic's messages per partition, from the offsets the broker keeps (low to high watermark)") { topic };
        AddReading(command, (reader, parse, stdout) =>
        {
            var offsets = reader.RequireOffsets(parse.GetValue(topic)!);
            var rows = offsets.Partitions.Select(p => new[] { Number(p.Partition), Number(p.Low), Number(p.High), Number(p.Messages) }).ToList();
            rows.Add(["total", "", "", Number(offsets.Messages)]);
            PrintTable(stdout, ["partition", "low", "high", "messages"], rows, rightAligned: [true, true, true, true]);
            return 0;
        }, output);
        return command;
    }

    private static Command Tail(TextWriter? output)
    {
        var topic = TopicArgument();
        var fromBeginning = Flags.Create("--from-beginning", "TOPUP_KAFKA_FROM_BEGINNING", false,
            "Print from the oldest message each partition keeps, instead of its last --limit messages");
        var limit = Flags.Create<long?>("--limit", "TOPUP_KAFKA_LIMIT", null,
                $"Messages per partition at most; default {DefaultTailLimit} without --from-beginning, all with it")
            .Accepting(Accept.AtLeast(1L));
        var maxChars = Flags.Create("--max-chars", "TOPUP_KAFKA_MAX_CHARS", 1000, "Characters of a key, value or header printed at most; longer ones are cut with …")
            .Accepting(Accept.Between(1, MaxPrintedChars));
        var command = new Command("tail",
            "Print a topic's messages: partition, offset, time (UTC), key, headers and value, in partition then offset order; " +
            "by default the last 10 of each partition. Ends at the messages that were there when it started.")
        {
            topic, fromBeginning, limit, maxChars,
        };
        AddReading(command, (reader, parse, stdout) =>
        {
            var offsets = reader.RequireOffsets(parse.GetValue(topic)!);
            var from = parse.GetValue(fromBeginning);
            var range = new ReadRange(from, parse.GetValue(limit) ?? (from ? null : DefaultTailLimit));
            var printed = 0;
            foreach (var result in reader.Read(offsets, range))
            {
                Print(result, parse.GetValue(maxChars), stdout);
                printed++;
            }
            stdout.WriteLine($"({Number(printed)} of {Number(offsets.Messages)} messages in {offsets.Partitions.Count} partitions of {offsets.Topic})");
            return 0;
        }, output);
        return command;
    }

    public const long DefaultTailLimit = 10;

    /// <summary>What <see cref="Printable.Bytes"/> can take: it decodes four bytes for each character it may print.</summary>
    private const int MaxPrintedChars = 100_000_000;

    /// <summary>
    /// One message, kcat-like: a line with where it is and when, then its key, headers and value, each on a line of
    /// its own, control characters escaped so that a message cannot move the terminal's cursor.
    /// </summary>
    public static void Print(ConsumeResult<byte[]?, byte[]> result, int maxChars, TextWriter output)
    {
        var message = result.Message;
        var time = TopicMessages.Timestamp(message) is { } t ? t.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : "no timestamp";
        output.WriteLine($"{result.Topic} [{result.Partition.Value}] @{result.Offset.Value}  {time}");
        output.WriteLine($"  key: {(message.Key is null ? "(null)" : Printable.Bytes(message.Key, maxChars))}");
        if (message.Headers is { Count: > 0 } headers)
        {
            output.WriteLine("  headers:");
            foreach (var header in headers)
                output.WriteLine($"    {Printable.Text(header.Key, maxChars)}: {Printable.Bytes(header.GetValueBytes() ?? [], maxChars)}");
        }
        output.WriteLine($"  value: {(message.Value is null ? "(null)" : Printable.Bytes(message.Value, maxChars))}");
    }

    private static Argument<string> TopicArgument()
    {
        var topic = new Argument<string>("topic") { Description = "The topic, e.g. customer.dlq" };
        topic.Validators.Add(result =>
        {
            if (Accept.TopicName(result.GetValueOrDefault<string>()) is { } problem) result.AddError($"topic {problem}");
        });
        return topic;
    }

    /// <summary>Adds the Kafka flags and an action that connects, runs <paramref name="run"/>, and disconnects.</summary>
    private static void AddReading(Command command, Func<KafkaTopicReader, ParseResult, TextWriter, int> run, TextWriter? output)
    {
        var kafka = Flags.KafkaConnection();
        var brokerTimeout = SqlCommand.BrokerTimeoutFlag();
        kafka.AddTo(command);
        command.Options.Add(brokerTimeout);
        command.SetAction((parse, cancel) =>
        {
            using var interrupt = SqlCommand.EndOnInterrupt(cancel, parse.InvocationConfiguration.Error ?? Console.Error);
            using var loggers = ProgramLogging.Create(toStandardError: true);
            var log = loggers.CreateLogger("topup-sql kafka");
            var settings = kafka.Resolve(parse, loggers);
            using var reader = new KafkaTopicReader(settings, new KafkaOutage(settings.BootstrapServers, parse.GetValue(brokerTimeout), log), log);
            var stdout = output ?? Console.Out;
            var exit = run(reader, parse, stdout);
            stdout.Flush();
            return Task.FromResult(exit);
        });
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static void PrintTable(TextWriter output, IReadOnlyList<string> header, IReadOnlyList<string[]> rows, IReadOnlyList<bool> rightAligned) =>
        AlignedTable.Write(output, header, rows, rightAligned, "  ", headerRule: false);
}
