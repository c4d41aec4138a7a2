using System.Text.Json.Nodes;

namespace TopUpSpark.Bench;

/// <summary>
/// A full replay of customer + bureau read back as fast as possible, doing nothing with the messages: with
/// librdkafka's batch API (the job's read path, the ceiling the job is measured against) and with
/// Confluent.Kafka's per-message <c>Consume</c> for comparison. Then the same messages, held in memory, decoded
/// by the job's decoder on all cores (<see cref="BenchData.DecodeAll"/>): the CPU a message costs the job beyond
/// reading it, at the least. Offset gaps are counted, so a broker that dropped data (the mock's 5 MiB
/// per-partition cap) shows as lost messages, not as speed.
/// </summary>
public sealed class RawConsumeBenchmark : IBenchmark
{
    public string Name => "raw-consume";

    public string Description =>
        "a full replay of customer + bureau read back with librdkafka's batch API and with Confluent's Consume, and decoded in memory by the job's decoder: msg/s, MB/s, CPU per message, lost messages";

    private const int DecodeRuns = 3;

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
                context.Log($"{reader}: {read.Messages} messages ({read.Bytes / 1e6:F0} MB) in {read.Seconds:F2} s: {read.Rate:F0} msg/s, " +
                            $"{read.CpuMicrosPerMessage:F2} µs of CPU a message; {read.Lost} lost");
                result[reader == BenchData.RawReader.BatchConsumer ? "batch_consumer" : "confluent_consume"] = new JsonObject
                {
                    ["messages"] = read.Messages,
                    ["megabytes"] = Math.Round(read.Bytes / 1e6, 1),
                    ["consume_seconds"] = Math.Round(read.Seconds, 3),
                    ["msgs_per_s"] = Math.Round(read.Rate),
                    ["mb_per_s"] = Math.Round(read.Bytes / 1e6 / read.Seconds, 1),
                    ["cpu_us_per_message"] = Math.Round(read.CpuMicrosPerMessage, 2),
                    ["lost_messages"] = read.Lost,
                    ["complete"] = read.Lost == 0 && read.Messages == replay.Messages,
                };
            }
            result["decode_in_memory"] = DecodeEverything(context, cluster.BootstrapServers, DecodeRuns, cancel);
            return result;
        }
    }

    /// <summary>The replay read into memory, then decoded <paramref name="runs"/> times: msg/s and CPU a message, medians with min and max.</summary>
    public static JsonObject DecodeEverything(BenchContext context, string bootstrapServers, int runs, CancellationToken cancel)
    {
        var values = BenchData.ReadIntoMemory(bootstrapServers, cancel);
        var decodes = Enumerable.Range(1, runs).Select(run =>
        {
            var decode = BenchData.DecodeAll(values);
            context.Log($"decode {run}: {decode.Messages} messages in {decode.Seconds:F2} s on {Environment.ProcessorCount} cores: {decode.Rate:F0} msg/s, " +
                        $"{decode.CpuMicrosPerMessage:F2} µs of CPU a message");
            return decode;
        }).ToList();
        return new JsonObject
        {
            ["what"] = "every message decoded by the job's decoder (bureau: every column; customer: key and event time), from memory, on all cores, nothing kept",
            ["runs"] = runs,
            ["msgs_per_s"] = Spread.Of(decodes, d => d.Rate).ToJson(),
            ["cpu_us_per_message"] = Spread.Of(decodes, d => d.CpuMicrosPerMessage).ToJson(2),
        };
    }

    public IEnumerable<ReportRow> Report(JsonObject result)
    {
        yield return Row("raw read, librdkafka's batch API (the job's read path)", result["batch_consumer"]!);
        yield return Row("raw read, Confluent.Kafka's Consume", result["confluent_consume"]!);
        if (result["decode_in_memory"] is JsonObject decode)
            yield return new("the replay's messages decoded by the job's decoder, from memory, on all cores",
                $"{Figures.Spread(decode["msgs_per_s"], Figures.Whole)} msg/s; {Figures.Decimal(decode["cpu_us_per_message"]!["median"])} µs of CPU a message");
    }

    private static ReportRow Row(string what, JsonNode read) =>
        new(what, $"{Figures.Whole(read["msgs_per_s"])} msg/s ({read["mb_per_s"]} MB/s)" +
                  (read["cpu_us_per_message"] is { } cpu ? $", {Figures.Decimal(cpu)} µs of CPU a message" : ""));
}
