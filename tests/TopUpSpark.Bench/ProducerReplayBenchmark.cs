using System.Text.Json.Nodes;

namespace TopUpSpark.Bench;

/// <summary>The producer's replay of the whole dataset into an embedded broker (issue 2's target: ≥ 200k msg/s).</summary>
public sealed class ProducerReplayBenchmark : IBenchmark
{
    private const double TargetMessagesPerSecond = 200_000;

    public string Name => "producer-replay";

    public string Description => "topup-producer --replay of the full generated data into an in-process embedded broker: msg/s, MB/s";

    public async Task<JsonObject> RunAsync(BenchContext context, CancellationToken cancel)
    {
        var data = BenchData.EnsureGeneratedData(context);
        var (input, loadSeconds) = BenchData.Load(data);
        context.Log($"loaded {input.Customers.Count} customers and {input.BureauRowCount} bureau rows in {loadSeconds:F1} s (parse + encode)");
        using var cluster = BenchData.StartBroker();
        var replay = await BenchData.ReplayOnce(input, cluster.BootstrapServers, cancel);
        var seconds = replay.Elapsed.TotalSeconds;
        var rate = replay.Messages / seconds;
        context.Log($"replayed {replay.Messages} messages ({replay.Bytes / 1e6:F0} MB) in {seconds:F2} s: {rate:F0} msg/s, {replay.Bytes / 1e6 / seconds:F0} MB/s");
        return new JsonObject
        {
            ["customers"] = data.Summary.Customers,
            ["bureau_rows"] = data.Summary.BureauRows,
            ["data_cached"] = data.FromCache,
            ["generate_seconds"] = Math.Round(data.SecondsToGenerate, 2),
            ["load_seconds"] = Math.Round(loadSeconds, 2),
            ["partitions"] = BenchData.Partitions,
            ["batches"] = replay.Batches,
            ["messages"] = replay.Messages,
            ["customer_messages"] = replay.CustomerMessages,
            ["bureau_messages"] = replay.BureauMessages,
            ["megabytes"] = Math.Round(replay.Bytes / 1e6, 1),
            ["replay_seconds"] = Math.Round(seconds, 3),
            ["msgs_per_s"] = Math.Round(rate),
            ["mb_per_s"] = Math.Round(replay.Bytes / 1e6 / seconds, 1),
            ["msgs_per_s_including_load"] = Math.Round(replay.Messages / (seconds + loadSeconds)),
            ["delivery_failures"] = replay.DeliveryFailures,
            ["target_msgs_per_s"] = TargetMessagesPerSecond,
            ["meets_target"] = rate >= TargetMessagesPerSecond,
        };
    }

    public IEnumerable<ReportRow> Report(JsonObject result) =>
    [
        new("producer replay into the embedded broker", $"{Figures.Whole(result["msgs_per_s"])} msg/s ({result["mb_per_s"]} MB/s, {Figures.Whole(result["messages"])} messages, {result["partitions"]} partitions)",
            $"≥ {Figures.Whole(result["target_msgs_per_s"])} msg/s", result["meets_target"]!.GetValue<bool>()),
    ];
}
