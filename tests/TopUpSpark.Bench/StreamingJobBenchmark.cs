using System.Text.Json;
using System.Text.Json.Nodes;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Job;
using TopUpSpark.Producer;

namespace TopUpSpark.Bench;

/// <summary>
/// The TopUp job end to end on this machine: (1) the full generated data replayed into the embedded
/// broker, then the job with the available-now trigger — input records/s, per-batch p50/p99, peak RSS,
/// and the ratio to a raw read of the same topics with the same client (librdkafka's batch API) measured in
/// the same run; (2) the course's rate (one producer batch every 5 s) with the default trigger — per-batch
/// processing time.
/// </summary>
public sealed class StreamingJobBenchmark : IBenchmark
{
    public string Name => "streaming-job";

    public string Description => "the TopUp job on a full replay (available-now) and at the course's rate: records/s, batch p50/p99, peak RSS, ratio to raw consume";

    private const long MaxRecordsPerTrigger = 20_000;

    public async Task<JsonObject> RunAsync(BenchContext context, CancellationToken cancel)
    {
        var modelFile = await JobRuns.ConvertCourseModel(context, cancel);
        var data = BenchData.EnsureGeneratedData(context);
        var (cluster, replay) = await BenchData.FillBroker(context, data, cancel);
        using (cluster)
        {
            // The job reads with librdkafka's batch API: a raw read the same way is its ceiling.
            var raw = BenchData.ConsumeEverything(cluster.BootstrapServers, BenchData.RawReader.BatchConsumer, cancel);
            var rawRate = raw.Rate;
            context.Log($"raw consume (batch API): {raw.Messages} messages in {raw.Seconds:F2} s = {rawRate:F0} msg/s ({raw.Lost} lost)");

            var full = await Replay(context, cluster.BootstrapServers, modelFile, "replay", new Dictionary<string, string>(), cancel);
            context.Log($"job: {full.Summary}");
            context.Log($"job: {full.Summary.InputRows} records in {full.Seconds:F2} s of batches = {full.Rate:F0} records/s ({full.Rate / rawRate:P0} of raw consume)");
            // The same run with the GC heap capped: what the job needs when memory matters more than speed.
            var capped = await Replay(context, cluster.BootstrapServers, modelFile, "replay-capped",
                new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x16000000" }, cancel);
            context.Log($"job with a 352 MiB GC heap cap: {capped.Rate:F0} records/s, peak RSS {capped.Summary.PeakWorkingSetMiB} MiB");
            var summary = full.Summary;
            var rate = full.Rate;
            var processingSeconds = full.Seconds;

            var live = await CourseRate(context, cluster, modelFile, cancel);
            return new JsonObject
            {
                ["customers"] = data.Summary.Customers,
                ["messages_produced"] = replay.Messages,
                ["max_records_per_trigger"] = MaxRecordsPerTrigger,
                ["raw_consume_msgs_per_s"] = Math.Round(rawRate),
                ["raw_consume_lost"] = raw.Lost,
                ["job_input_records"] = summary.InputRows,
                ["job_batches"] = summary.Batches,
                ["job_processing_seconds"] = Math.Round(processingSeconds, 2),
                ["job_records_per_s"] = Math.Round(rate),
                ["job_ratio_to_raw_consume"] = Math.Round(rate / rawRate, 3),
                ["job_batch_ms_p50"] = summary.BatchMillisP50,
                ["job_batch_ms_p99"] = summary.BatchMillisP99,
                ["job_peak_rss_mib"] = summary.PeakWorkingSetMiB,
                ["job_joined_rows"] = summary.JoinedRows,
                ["job_predicted_topups"] = summary.PredictedTopUps,
                ["job_late_rows_dropped"] = summary.LateRowsDropped,
                ["job_dead_letters"] = summary.DeadLetters,
                ["capped_heap"] = new JsonObject
                {
                    ["DOTNET_GCHeapHardLimit"] = "0x16000000 (352 MiB)",
                    ["records_per_s"] = Math.Round(capped.Rate),
                    ["ratio_to_raw_consume"] = Math.Round(capped.Rate / rawRate, 3),
                    ["batch_ms_p50"] = capped.Summary.BatchMillisP50,
                    ["batch_ms_p99"] = capped.Summary.BatchMillisP99,
                    ["peak_rss_mib"] = capped.Summary.PeakWorkingSetMiB,
                },
                ["course_rate"] = live,
            };
        }
    }

    private sealed record ReplayRun(JobSummary Summary, double Seconds, double Rate);

    /// <summary>The job over everything in the broker with the available-now trigger, as its own process.</summary>
    private static async Task<ReplayRun> Replay(BenchContext context, string bootstrap, string modelFile, string name,
        IReadOnlyDictionary<string, string> environment, CancellationToken cancel)
    {
        var output = Path.Combine(context.WorkDirectory, name + "-out");
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        using (var job = JobProcess.Start(context, Path.Combine(context.WorkDirectory, name + "-job.log"), environment,
                   "--bootstrap-servers", bootstrap, "--trigger", "available-now", "--model", modelFile,
                   "--out", output, "--max-records-per-trigger", MaxRecordsPerTrigger.ToString()))
        {
            var exit = await job.WaitAsync(TimeSpan.FromMinutes(20), cancel);
            if (exit != 0) throw new InvalidOperationException($"the job exited with {exit}; see {name}-job.log");
        }
        var summary = JobProcess.ReadJson<JobSummary>(Path.Combine(output, "summary.json"));
        var batches = JobRuns.ReadProgress(Path.Combine(output, "progress.jsonl"));
        var seconds = (batches[^1].End - batches[0].Start).TotalSeconds;
        return new ReplayRun(summary, seconds, summary.InputRows / seconds);
    }

    /// <summary>The producer at its real cadence (10–30 customers every 5 s) with the job running beside it.</summary>
    private static async Task<JsonObject> CourseRate(BenchContext context, EmbeddedKafkaCluster cluster, string modelFile, CancellationToken cancel)
    {
        const string customerTopic = "customer-live", bureauTopic = "bureau-live";
        cluster.CreateTopic(customerTopic);
        cluster.CreateTopic(bureauTopic);
        var producerBatches = context.Quick ? 6 : 36;
        var input = BenchData.Load(BenchData.EnsureGeneratedData(context)).Input;
        var output = Path.Combine(context.WorkDirectory, "live-out");
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        using var job = JobProcess.Start(context, Path.Combine(context.WorkDirectory, "live-job.log"),
            "--bootstrap-servers", cluster.BootstrapServers, "--model", modelFile, "--out", output,
            "--customer-topic", customerTopic, "--bureau-topic", bureauTopic, "--output-topic", "topup-by-state-live");
        await Task.Delay(TimeSpan.FromSeconds(3), cancel);
        var producer = new TopUpProducer(input, new KafkaSettings(cluster.BootstrapServers), new ProducerOptions
        {
            CustomerTopic = customerTopic,
            BureauTopic = bureauTopic,
            MaxBatches = producerBatches,
            Seed = 7,
        });
        await producer.RunAsync(cancel);
        await Task.Delay(TimeSpan.FromSeconds(3), cancel);
        job.Stop();
        await job.WaitAsync(TimeSpan.FromSeconds(60), cancel);
        var batches = JobRuns.ReadProgress(Path.Combine(output, "progress.jsonl"));
        // The first batch also connects to Kafka and compiles the query's code; it is reported on its own.
        var steady = batches.Skip(1).ToList();
        var withData = steady.Where(b => b.Rows > 0).Select(b => b.Millis).Order().ToList();
        var all = steady.Select(b => b.Millis).Order().ToList();
        context.Log($"course rate: {producerBatches} producer batches → {batches.Count} job batches ({withData.Count} with data after the first); first batch {batches[0].Millis} ms, then p50 {JobRuns.Percentile(all, 0.5)} ms, p99 {JobRuns.Percentile(all, 0.99)} ms");
        return new JsonObject
        {
            ["producer_batches"] = producerBatches,
            ["job_batches"] = batches.Count,
            ["job_batches_with_data"] = withData.Count,
            ["first_batch_ms"] = batches.Count == 0 ? 0 : batches[0].Millis,
            ["batch_ms_p50"] = JobRuns.Percentile(all, 0.5),
            ["batch_ms_p99"] = JobRuns.Percentile(all, 0.99),
            ["batch_ms_max"] = all.Count == 0 ? 0 : all[^1],
            ["data_batch_ms_p50"] = JobRuns.Percentile(withData, 0.5),
            ["data_batch_ms_p99"] = JobRuns.Percentile(withData, 0.99),
        };
    }
}
