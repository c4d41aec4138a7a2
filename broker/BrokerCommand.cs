using System.CommandLine;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core;
using TopUpSpark.Core.Cli;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Logging;

namespace TopUpSpark.Broker;

/// <summary>The embedded Kafka for local runs: librdkafka's mock cluster, in memory, on 127.0.0.1.</summary>
public static class BrokerCommand
{
    public static RootCommand Create()
    {
        var partitions = Flags.Create("--partitions", "TOPUP_PARTITIONS", 4, "Partitions of each created topic").Accepting(Accept.AtLeast(1));
        var topics = Flags.Create("--topics", "TOPUP_TOPICS", string.Join(',', Topics.All), "Comma-separated topics to create")
            .Accepting(list => TopicNames(list).Select(Accept.TopicName).FirstOrDefault(problem => problem is not null));
        var brokers = Flags.Create("--brokers", "TOPUP_BROKERS", 1, "Number of mock brokers").Accepting(Accept.AtLeast(1));
        var announce = Flags.Create("--announce-file", BootstrapFile.EnvironmentVariable, BootstrapFile.DefaultPath,
            "File where the bootstrap address is written for the other programs to find");

        var root = new RootCommand(
            "Starts librdkafka's mock cluster (shipped inside Confluent.Kafka) as an embedded Kafka broker for local runs. " +
            "It is in memory only, listens on 127.0.0.1, and keeps at most 5 MiB or 100,000 message sets per partition; " +
            "point the programs' --bootstrap-servers at a real Kafka for anything else.")
        {
            partitions, topics, brokers, announce,
        };
        root.SetAction(async (parse, cancel) =>
        {
            using var loggerFactory = ProgramLogging.Create();
            var log = loggerFactory.CreateLogger("broker");
            var topicNames = TopicNames(parse.GetValue(topics)!);
            var announceFile = parse.GetValue(announce)!;
            using var cluster = EmbeddedKafkaCluster.Start(parse.GetValue(brokers), topicNames, parse.GetValue(partitions));
            BootstrapFile.Write(cluster.BootstrapServers, announceFile);
            log.LogInformation("embedded Kafka (librdkafka mock cluster) listening on {Bootstrap}; topics {Topics} with {Partitions} partitions; announced in {File}",
                cluster.BootstrapServers, string.Join(", ", topicNames), parse.GetValue(partitions), announceFile);
            Console.Out.WriteLine($"BOOTSTRAP_SERVERS={cluster.BootstrapServers}");
            Console.Out.Flush();
            try
            {
                await Task.Delay(Timeout.Infinite, cancel);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C or SIGTERM: the normal way to stop.
            }
            BootstrapFile.Remove(announceFile);
            log.LogInformation("embedded Kafka stopped; its in-memory topics are gone");
            return 0;
        });
        return root;
    }

    // Empty names are kept, so that "a,,b" or a trailing comma is refused rather than quietly read as fewer topics.
    private static string[] TopicNames(string list) => list.Split(',', StringSplitOptions.TrimEntries);
}
