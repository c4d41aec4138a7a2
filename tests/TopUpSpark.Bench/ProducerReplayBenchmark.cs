using System.Text.Json.Nodes;
using TopUpSpark.Producer;

namespace TopUpSpark.Bench;

/// <summary>The producer's replay of the whole dataset into an embedded broker (issue 2's target: ≥ 200k msg/s).</summary>
public sealed class ProducerReplayBenchmark : IBenchmark
{
    private const double TargetMessagesPerSecond = 200_000;
    private const int Rounds = 3;

    public string Name => "producer-replay";

    public string Description => "topup-producer --replay of the full generated data into an in-process embedded broker, three rounds: median msg/s, MB/s";

    public async Task<JsonObject> RunAsync(BenchContext context, CancellationToken cancel)
    {
        var data = BenchData.EnsureGeneratedData(context);
        var (input, loadSeconds) = BenchData.Load(data);
        context.Log($"loaded {input.Customers.Count} customers and {input.BureauRowCount} bureau rows in {loadSeconds:F1} s (parse + encode)");
        // Each round into a broker of its own, so that no round writes into logs an earlier one filled.
        var replays = new List<ProducerRunSummary>();
        for (var round = 1; round <= Rounds; round++)
        {
            using var cluster = BenchData.StartBroker();
            var replay = await BenchData.ReplayOnce(input, cluster.BootstrapServers, cancel);
            replays.Add(replay);
            context.Log($"round {round}: replayed {replay.Messages} messages ({replay.Bytes / 1e6:F0} MB) in {replay.Elapsed.TotalSeconds:F2} s: " +
                $"{MessagesPerSecond(replay):F0} msg/s, {MegabytesPerSecond(replay):F0} MB/s");
        }
        var rates = Spread.Of(replays, MessagesPerSecond);
        var first = replays[0];
        return new JsonObject
        {
            ["customers"] = data.Summary.Customers,
            ["bureau_rows"] = data.Summary.BureauRows,
            ["data_cached"] = data.FromCache,
            ["generate_seconds"] = Math.Round(data.SecondsToGenerate, 2),
            ["load_seconds"] = Math.Round(loadSeconds, 2),
            ["partitions"] = BenchData.Partitions,
            ["rounds"] = Rounds,
            ["batches"] = first.Batches,
            ["messages"] = first.Messages,
            ["customer_messages"] = first.CustomerMessages,
            ["bureau_messages"] = first.BureauMessages,
            ["megabytes"] = Math.Round(first.Bytes / 1e6, 1),
            ["replay_seconds"] = Spread.Of(replays, r => r.Elapsed.TotalSeconds).ToJson(3),
            ["msgs_per_s"] = rates.ToJson(),
            ["mb_per_s"] = Spread.Of(replays, MegabytesPerSecond).ToJson(1),
            ["delivery_failures"] = replays.Sum(r => r.DeliveryFailures),
            ["target_msgs_per_s"] = TargetMessagesPerSecond,
            ["meets_target"] = rates.Median >= TargetMessagesPerSecond,
        };
    }

    private static double MessagesPerSecond(ProducerRunSummary replay) => replay.Messages / replay.Elapsed.TotalSeconds;

    private static double MegabytesPerSecond(ProducerRunSummary replay) => replay.Bytes / 1e6 / replay.Elapsed.TotalSeconds;

    public IEnumerable<ReportRow> Report(JsonObject result) =>
    [
        new("producer replay into the embedded broker", $"{Figures.Spread(result["msgs_per_s"], Figures.Whole)} msg/s ({result["mb_per_s"]!["median"]} MB/s, {Figures.Whole(result["messages"])} messages, {result["partitions"]} partitions)",
            $"≥ {Figures.Whole(result["target_msgs_per_s"])} msg/s", result["meets_target"]!.GetValue<bool>()),
    ];
}
