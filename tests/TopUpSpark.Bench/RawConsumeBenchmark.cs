using System.Text.Json.Nodes;

namespace TopUpSpark.Bench;

/// <summary>
/// A plain Confluent.Kafka consumer reading a full replay back as fast as it can: the ceiling any
/// consumer of these topics (the streaming job) is measured against. Offset gaps are counted, so a
/// broker that dropped data (the mock's 5 MiB per-partition cap) shows as lost messages, not as speed.
/// </summary>
public sealed class RawConsumeBenchmark : IBenchmark
{
    public string Name => "raw-consume";

    public string Description => "plain Confluent.Kafka consumer reading a full replay of customer + bureau back: msg/s, MB/s, lost messages";

    public async Task<JsonObject> RunAsync(BenchContext context, CancellationToken cancel)
    {
        var data = BenchData.EnsureGeneratedData(context);
        var (cluster, replay) = await BenchData.FillBroker(context, data, cancel);
        using (cluster)
        {
            var (messages, bytes, seconds, lost) = BenchData.ConsumeEverything(cluster.BootstrapServers, cancel);
            var partitions = 2 * BenchData.Partitions;
            context.Log($"consumed {messages} messages ({bytes / 1e6:F0} MB) in {seconds:F2} s: {messages / seconds:F0} msg/s; {lost} lost");
            return new JsonObject
            {
                ["customers"] = data.Summary.Customers,
                ["partitions"] = partitions,
                ["produced_messages"] = replay.Messages,
                ["messages"] = messages,
                ["megabytes"] = Math.Round(bytes / 1e6, 1),
                ["consume_seconds"] = Math.Round(seconds, 3),
                ["msgs_per_s"] = Math.Round(messages / seconds),
                ["mb_per_s"] = Math.Round(bytes / 1e6 / seconds, 1),
                ["lost_messages"] = lost,
                ["complete"] = lost == 0 && messages == replay.Messages,
            };
        }
    }
}
