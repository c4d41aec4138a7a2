using System.Text.Json.Nodes;

namespace TopUpSpark.Bench;

/// <summary>
/// A full replay of customer + bureau read back as fast as possible, doing nothing with the messages: with
/// librdkafka's batch API (the job's read path, the ceiling the job is measured against) and with
/// Confluent.Kafka's per-message <c>Consume</c> for comparison. Offset gaps are counted, so a broker that
/// dropped data (the mock's 5 MiB per-partition cap) shows as lost messages, not as speed.
/// </summary>
public sealed class RawConsumeBenchmark : IBenchmark
{
    public string Name => "raw-consume";

    public string Description => "a full replay of customer + bureau read back with librdkafka's batch API and with Confluent's Consume: msg/s, MB/s, lost messages";

    public async Task<JsonObject> RunAsync(BenchContext context, CancellationToken cancel)
    {
        var data = BenchData.EnsureGeneratedData(context);
        var (cluster, replay) = await BenchData.FillBroker(context, data, cancel);
        using (cluster)
        {
            var result = new JsonObject
            {
                ["customers"] = data.Summary.Customers,
                ["partitions"] = 2 * BenchData.Partitions,
                ["produced_messages"] = replay.Messages,
            };
            foreach (var reader in new[] { BenchData.RawReader.BatchConsumer, BenchData.RawReader.ConfluentConsume })
            {
                var read = BenchData.ConsumeEverything(cluster.BootstrapServers, reader, cancel);
                context.Log($"{reader}: {read.Messages} messages ({read.Bytes / 1e6:F0} MB) in {read.Seconds:F2} s: {read.Rate:F0} msg/s; {read.Lost} lost");
                result[reader == BenchData.RawReader.BatchConsumer ? "batch_consumer" : "confluent_consume"] = new JsonObject
                {
                    ["messages"] = read.Messages,
                    ["megabytes"] = Math.Round(read.Bytes / 1e6, 1),
                    ["consume_seconds"] = Math.Round(read.Seconds, 3),
                    ["msgs_per_s"] = Math.Round(read.Rate),
                    ["mb_per_s"] = Math.Round(read.Bytes / 1e6 / read.Seconds, 1),
                    ["lost_messages"] = read.Lost,
                    ["complete"] = read.Lost == 0 && read.Messages == replay.Messages,
                };
            }
            return result;
        }
    }

    public IEnumerable<ReportRow> Report(JsonObject result) =>
    [
        new("raw read, librdkafka's batch API (the job's read path)", $"{Figures.Whole(result["batch_consumer"]!["msgs_per_s"])} msg/s ({result["batch_consumer"]!["mb_per_s"]} MB/s)"),
        new("raw read, Confluent.Kafka's Consume", $"{Figures.Whole(result["confluent_consume"]!["msgs_per_s"])} msg/s ({result["confluent_consume"]!["mb_per_s"]} MB/s)"),
    ];
}
