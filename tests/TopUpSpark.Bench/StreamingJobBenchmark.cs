using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Job;
using TopUpSpark.Producer;

namespace TopUpSpark.Bench;

/// <summary>
/// The TopUp job end to end on this machine. (1) The full generated data replayed into the embedded broker,
/// then, <see cref="Runs"/> times in turn: a raw read of the same topics with the same client (librdkafka's
/// batch API, the job's ceiling), the job with the model <c>demo.sh</c> trains by default, and the job with the
/// converted course model, each with the available-now trigger. The raw read is timed from its start of reading
/// to its last message, the job from its first batch's start to its last batch's end: connecting, the topics'
/// metadata and the starting offsets are left out of both, the first fetch's round trip is in both. Each run's
/// ratio is taken to the raw read of the same round. Each job run also sums the CPU time its process spent over
/// its batches (all threads, from its progress), per record: set against the most CPU per record the ratio's
/// target allows on these cores, it says how far the engine has to go; the raw read's own CPU and the decoding's
/// (the replay decoded from memory by the job's decoder) say what a record costs before the job's own work.
/// (2) The course's rate (one producer batch every 5 s) with the default model and trigger, <see cref="CourseRateRuns"/> times: per-batch processing
/// time, with the JIT profile the replays recorded (a job's second start on), and the first batch again without one
/// (a first start). The JSON states every target and whether the median met it.
/// </summary>
public sealed class StreamingJobBenchmark : IBenchmark
{
    public string Name => "streaming-job";

    public string Description =>
        "the TopUp job on a full replay (available-now, default and course models) against a raw read, medians of several rounds, and at the course's rate: records/s, ratio, batch p50/p99, peak RSS";

    private const long MaxRecordsPerTrigger = 20_000;
    private const int Runs = 3;
    /// <summary>
    /// Runs at the course's rate, each of <see cref="CourseRateProducerBatches"/> producer batches. A batch there takes
    /// a few milliseconds, so one slow Kafka read, publish or file write of this VM decides a run's p99; the median of
    /// several runs' does not hang on one.
    /// </summary>
    private const int CourseRateRuns = 3, CourseRateProducerBatches = 12;
    private const double TargetPercentOfRaw = 75;
    private const long TargetPeakRssMiB = 256, TargetCourseP99Ms = 25, TargetFirstBatchMs = 60;

    public async Task<JsonObject> RunAsync(BenchContext context, CancellationToken cancel)
    {
        var data = BenchData.EnsureGeneratedData(context);
        var models = new Dictionary<string, string>
        {
            ["default_model"] = JobRuns.TrainDefaultModel(context, data),
            ["course_model"] = await JobRuns.ConvertCourseModel(context, cancel),
        };
        var (cluster, replay) = await BenchData.FillBroker(context, data, cancel);
        using (cluster)
        {
            var decode = RawConsumeBenchmark.DecodeEverything(context, cluster.BootstrapServers, Runs, cancel);
            var rawRuns = new List<BenchData.RawRead>();
            var jobRuns = models.Keys.ToDictionary(name => name, _ => new List<ReplayRun>());
            for (var round = 1; round <= Runs; round++)
            {
                var raw = BenchData.ConsumeEverything(cluster.BootstrapServers, BenchData.RawReader.BatchConsumer, cancel);
                if (raw.Lost > 0 || raw.Messages != replay.Messages)
                    throw new InvalidOperationException($"the raw read got {raw.Messages} of {replay.Messages} messages ({raw.Lost} lost): the broker dropped data");
                rawRuns.Add(raw);
                context.Log($"round {round}: raw read {raw.Messages} messages in {raw.Seconds:F2} s = {raw.Rate:F0} msg/s, {raw.CpuMicrosPerMessage:F2} µs of CPU a message");
                foreach (var (name, modelFile) in models)
                {
                    var run = await Replay(context, cluster.BootstrapServers, modelFile, $"{name}-{round}", new Dictionary<string, string>(), cancel);
                    jobRuns[name].Add(run with { RawRate = raw.Rate });
                    context.Log($"round {round}: job ({name}) {run.Summary.InputRows} records in {run.Seconds:F2} s = {run.Rate:F0} records/s " +
                                $"({run.Rate / raw.Rate:P0} of the raw read), {run.CpuMicrosPerRecord:F2} µs of CPU per record, peak RSS {run.Summary.PeakWorkingSetMiB} MiB" +
                                Describe(run.HighestMemory));
                }
            }
            // The default model's run with the GC heap capped: what the job needs when memory matters more than speed.
            var capped = await Replay(context, cluster.BootstrapServers, models["default_model"], "replay-capped",
                new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x10000000" }, cancel);
            context.Log($"job with a 256 MiB GC heap cap: {capped.Rate:F0} records/s, peak RSS {capped.Summary.PeakWorkingSetMiB} MiB" +
                        Describe(capped.HighestMemory));

            // The job at the course's rate as it runs from its second start on (with the JIT profile the replays above
            // recorded), and, for its first batch only, as on its very first start (no profile).
            var live = new List<CourseRateRun>();
            for (var run = 1; run <= CourseRateRuns; run++)
                live.Add(await CourseRate(context, cluster, models["default_model"], $"live-{run}", JitProfileFolder(context),
                    context.Quick ? 4 : CourseRateProducerBatches, cancel));
            var firstStart = await CourseRate(context, cluster, models["default_model"], "first-start", JitProfile.Off, 3, cancel);
            var courseP99 = Spread.Of(live, r => r.P99);
            var courseFirstBatch = Spread.Of(live, r => r.FirstBatch);
            var rawRate = Spread.Of(rawRuns, r => r.Rate);
            var readCpu = Spread.Of(rawRuns, r => r.CpuMicrosPerMessage);
            var defaultRuns = jobRuns["default_model"];
            var ratio = Spread.Of(defaultRuns, r => r.Rate / r.RawRate);
            var rss = defaultRuns.Max(r => r.Summary.PeakWorkingSetMiB);
            var targets = new JsonArray(
                Target(context, "full replay, default model: records/s as a share of the raw read's msg/s (median)", 100 * ratio.Median, TargetPercentOfRaw, "%", atLeast: true),
                Target(context, "full replay, default model: peak RSS without a heap cap (highest run)", rss, TargetPeakRssMiB, "MiB", atLeast: false),
                Target(context, $"course rate: batch p99 after the first batch (median of {CourseRateRuns} runs)", courseP99.Median, TargetCourseP99Ms, "ms", atLeast: false),
                Target(context, $"course rate: first batch (the job's JIT profile of an earlier run; median of {CourseRateRuns} runs)", courseFirstBatch.Median,
                    TargetFirstBatchMs, "ms", atLeast: false));
            return new JsonObject
            {
                ["data"] = new JsonObject
                {
                    ["customers"] = data.Summary.Customers,
                    ["bureau_rows"] = data.Summary.BureauRows,
                    ["messages"] = replay.Messages,
                    ["megabytes"] = Math.Round(rawRuns[0].Bytes / 1e6, 1),
                    ["topics"] = new JsonArray(Topics.Customer, Topics.Bureau),
                    ["partitions_per_topic"] = BenchData.Partitions,
                },
                ["timing"] = "raw read: start of reading → last message received; job: first batch's start → last batch's end " +
                             "(connecting, metadata and starting offsets left out of both, the first fetch's round trip in both)",
                ["runs"] = Runs,
                ["max_records_per_trigger"] = MaxRecordsPerTrigger,
                ["raw_read_msgs_per_s"] = rawRate.ToJson(),
                // The most CPU time a record may take, all threads, for the job to keep pace with the target share of the
                // raw read on this machine's cores; more per record and the target cannot be met, however well it overlaps.
                ["cpu_allowed_by_target"] = new JsonObject
                {
                    ["cores"] = Environment.ProcessorCount,
                    ["us_per_record"] = Math.Round(Environment.ProcessorCount * 1e6 / (TargetPercentOfRaw / 100 * rawRate.Median), 2),
                },
                // What a record costs at the least before the job does anything of its own: the raw read's CPU (the job reads
                // with the same client) and the decoding, measured alone. Above the allowed CPU, no engine meets the target here.
                ["cpu_least_per_record"] = new JsonObject
                {
                    ["read_us"] = readCpu.ToJson(2),
                    ["decode_us"] = decode["cpu_us_per_message"]!.DeepClone(),
                    ["read_and_decode_us"] = Math.Round(readCpu.Median + decode["cpu_us_per_message"]!["median"]!.GetValue<double>(), 2),
                },
                ["decode_in_memory"] = decode,
                ["full_replay"] = new JsonObject(jobRuns.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)ReplaySummary(pair.Value)))),
                ["default_model_capped_heap"] = new JsonObject
                {
                    ["DOTNET_GCHeapHardLimit"] = "0x10000000 (256 MiB)",
                    ["records_per_s"] = Math.Round(capped.Rate),
                    ["batch_ms_p99"] = capped.Summary.BatchMillisP99,
                    ["peak_rss_mib"] = capped.Summary.PeakWorkingSetMiB,
                    ["highest_rss_by_kind"] = capped.HighestMemory?.ToJson(),
                },
                ["course_rate_default_model"] = new JsonObject
                {
                    ["runs"] = CourseRateRuns,
                    ["first_batch_ms"] = courseFirstBatch.ToJson(),
                    ["batch_ms_p50"] = Spread.Of(live, r => r.P50).ToJson(),
                    ["batch_ms_p99"] = courseP99.ToJson(),
                    ["first_batch_ms_without_jit_profile"] = firstStart.FirstBatch,
                    ["each_run"] = new JsonArray(live.Select(r => (JsonNode)r.Json).ToArray()),
                },
                ["targets"] = targets,
                ["targets_met"] = targets.All(t => t!["met"]!.GetValue<bool>()),
            };
        }
    }

    private static JsonObject ReplaySummary(List<ReplayRun> runs) => new()
    {
        ["input_records"] = runs[0].Summary.InputRows,
        ["batches"] = runs[0].Summary.Batches,
        ["records_per_s"] = Spread.Of(runs, r => r.Rate).ToJson(),
        ["ratio_to_raw_read"] = Spread.Of(runs, r => r.Rate / r.RawRate).ToJson(3),
        ["cpu_us_per_record"] = Spread.Of(runs, r => r.CpuMicrosPerRecord).ToJson(2),
        ["batch_ms_p50"] = Spread.Of(runs, r => r.Summary.BatchMillisP50).ToJson(),
        ["batch_ms_p99"] = Spread.Of(runs, r => r.Summary.BatchMillisP99).ToJson(),
        ["peak_rss_mib"] = Spread.Of(runs, r => r.Summary.PeakWorkingSetMiB).ToJson(),
        // The run with the highest peak, its memory by kind at the highest of the samples taken every 20 ms.
        ["highest_rss_by_kind"] = runs.MaxBy(r => r.Summary.PeakWorkingSetMiB)!.HighestMemory?.ToJson(),
        ["joined_rows"] = runs[0].Summary.JoinedRows,
        ["predicted_topups"] = runs[0].Summary.PredictedTopUps,
        ["late_rows_dropped"] = runs[0].Summary.LateRowsDropped,
        ["dead_letters"] = runs[0].Summary.DeadLetters,
    };

    /// <summary>What a run's log line adds about its memory; nothing when no sample was taken.</summary>
    private static string Describe(MemorySample? memory) => memory is null
        ? ""
        : $" (at the highest sample: {memory.AnonymousKiB / 1024} MiB anonymous, {memory.FilesKiB / 1024} MiB mapped files, {memory.SharedKiB / 1024} MiB shared, the runtime's W^X memory)";

    private static JsonObject Target(BenchContext context, string what, double measured, double target, string unit, bool atLeast)
    {
        var met = atLeast ? measured >= target : measured <= target;
        var shown = $"{Math.Round(measured, 1).ToString(CultureInfo.InvariantCulture)} {unit}";
        var wanted = $"{(atLeast ? "≥" : "≤")} {target.ToString(CultureInfo.InvariantCulture)} {unit}";
        context.Log($"target {(met ? "met" : "NOT met")}: {what} = {shown} (target {wanted})");
        return new JsonObject
        {
            ["what"] = what,
            ["measured"] = Math.Round(measured, 1),
            ["measured_text"] = shown,
            ["target"] = wanted,
            ["met"] = met,
        };
    }

    /// <param name="CpuMicrosPerRecord">The job process's CPU time over its batches (all threads) per input record.</param>
    /// <param name="HighestMemory">The job's resident memory by kind when it was highest.</param>
    private sealed record ReplayRun(JobSummary Summary, double Seconds, double Rate, double CpuMicrosPerRecord, MemorySample? HighestMemory,
        double RawRate = double.NaN);

    /// <summary>The job over everything in the broker with the available-now trigger, as its own process.</summary>
    private static async Task<ReplayRun> Replay(BenchContext context, string bootstrap, string modelFile, string name,
        IReadOnlyDictionary<string, string> environment, CancellationToken cancel)
    {
        var output = Path.Combine(context.WorkDirectory, name + "-out");
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        MemorySample? highestMemory;
        using (var job = JobProcess.Start(context, Path.Combine(context.WorkDirectory, name + "-job.log"), environment,
                   "--bootstrap-servers", bootstrap, "--trigger", "available-now", "--model", modelFile,
                   "--out", output, "--max-records-per-trigger", MaxRecordsPerTrigger.ToString(), "--jit-profile", JitProfileFolder(context)))
        {
            var exit = await job.WaitAsync(TimeSpan.FromMinutes(20), cancel);
            if (exit != 0) throw new InvalidOperationException($"the job exited with {exit}; see {name}-job.log");
            highestMemory = job.HighestMemory;
        }
        var summary = JobProcess.ReadJson<JobSummary>(Path.Combine(output, "summary.json"));
        var batches = JobRuns.ReadProgress(Path.Combine(output, "progress.jsonl"));
        var seconds = (batches[^1].End - batches[0].Start).TotalSeconds;
        return new ReplayRun(summary, seconds, summary.InputRows / seconds, 1000.0 * batches.Sum(b => b.CpuMillis) / summary.InputRows, highestMemory);
    }

    private sealed record CourseRateRun(JsonObject Json, long FirstBatch, long P50, long P99);

    /// <summary>Where the benchmark's job runs keep their JIT profile (see <see cref="JitProfile"/>): its own, not the user's.</summary>
    private static string JitProfileFolder(BenchContext context) => Path.Combine(context.WorkDirectory, "jit-profile");

    /// <summary>The producer at its real cadence (10–30 customers every 5 s) with the job running beside it, on topics of their own.</summary>
    private static async Task<CourseRateRun> CourseRate(BenchContext context, EmbeddedKafkaCluster cluster, string modelFile, string name, string jitProfile,
        int producerBatches, CancellationToken cancel)
    {
        string customerTopic = $"customer-{name}", bureauTopic = $"bureau-{name}";
        cluster.CreateTopic(customerTopic);
        cluster.CreateTopic(bureauTopic);
        var input = BenchData.Load(BenchData.EnsureGeneratedData(context)).Input;
        var output = Path.Combine(context.WorkDirectory, $"{name}-out");
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        using var job = JobProcess.Start(context, Path.Combine(context.WorkDirectory, $"{name}-job.log"),
            "--bootstrap-servers", cluster.BootstrapServers, "--model", modelFile, "--out", output, "--jit-profile", jitProfile,
            "--customer-topic", customerTopic, "--bureau-topic", bureauTopic, "--output-topic", $"topup-by-state-{name}");
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
        context.Log($"course rate ({name}, JIT profile {jitProfile}): {producerBatches} producer batches → {batches.Count} job batches ({withData.Count} with data after the first); first batch {batches[0].Millis} ms, then p50 {JobRuns.Percentile(all, 0.5)} ms, p99 {JobRuns.Percentile(all, 0.99)} ms");
        var firstBatch = batches.Count == 0 ? 0 : batches[0].Millis;
        var p50 = JobRuns.Percentile(all, 0.5);
        var p99 = JobRuns.Percentile(all, 0.99);
        return new CourseRateRun(new JsonObject
        {
            ["producer_batches"] = producerBatches,
            ["job_batches"] = batches.Count,
            ["job_batches_with_data"] = withData.Count,
            ["first_batch_ms"] = firstBatch,
            ["batch_ms_p50"] = p50,
            ["batch_ms_p99"] = p99,
            ["batch_ms_max"] = all.Count == 0 ? 0 : all[^1],
            ["data_batch_ms_p50"] = JobRuns.Percentile(withData, 0.5),
            ["data_batch_ms_p99"] = JobRuns.Percentile(withData, 0.99),
        }, firstBatch, p50, p99);
    }

    public IEnumerable<ReportRow> Report(JsonObject result)
    {
        yield return new("raw read of the replay (the ceiling)", Figures.Spread(result["raw_read_msgs_per_s"], Figures.Whole) + " msg/s");
        foreach (var (model, runs) in result["full_replay"]!.AsObject())
            yield return new($"job, full replay, {model.Replace('_', ' ')}",
                $"{Figures.Spread(runs!["records_per_s"], Figures.Whole)} records/s; ratio {Figures.Spread(runs["ratio_to_raw_read"], Figures.Percent)}; " +
                $"batch p99 {Figures.Whole(runs["batch_ms_p99"]!["median"])} ms; peak RSS {Figures.Whole(runs["peak_rss_mib"]!["max"])} MiB" +
                (runs["cpu_us_per_record"] is JsonObject cpu ? $"; CPU {Figures.Decimal(cpu["median"])} µs per record" : ""));
        foreach (var (model, runs) in result["full_replay"]!.AsObject())
            if (runs!["highest_rss_by_kind"] is JsonObject kinds)
                yield return new($"job, full replay, {model.Replace('_', ' ')}: the highest run's memory by kind at its highest sample (every {PeakMemoryWatch.Interval.TotalMilliseconds} ms)",
                    $"{Figures.Whole(kinds["rss_mib"])} MiB = {Figures.Whole(kinds["anonymous_mib"])} anonymous (GC heap, native allocations) + " +
                    $"{Figures.Whole(kinds["mapped_files_mib"])} mapped files (runtime, libraries) + {Figures.Whole(kinds["shared_memory_mib"])} shared (the runtime's W^X memory: JIT code, stubs and their data)");
        if (result["cpu_allowed_by_target"] is JsonObject allowed)
            yield return new($"the most CPU per record (all threads) with which the job could reach {TargetPercentOfRaw} % of the raw read on {allowed["cores"]} cores",
                $"{Figures.Decimal(allowed["us_per_record"])} µs");
        if (result["cpu_least_per_record"] is JsonObject least)
            yield return new("the least CPU per record before the job's own work: the raw read's + the decoder's, each measured alone",
                $"{Figures.Decimal(least["read_and_decode_us"])} µs ({Figures.Decimal(least["read_us"]!["median"])} reading + {Figures.Decimal(least["decode_us"]!["median"])} decoding)");
        var courseRate = result["course_rate_default_model"];
        if (courseRate?["batch_ms_p99"] is JsonObject p99 && courseRate["first_batch_ms"] is JsonObject firstBatch)
            yield return new("course rate, default model: batch p99 after the first batch; first batch",
                $"{Figures.Spread(p99, Figures.Whole)} ms; {Figures.Spread(firstBatch, Figures.Whole)} ms");
        if (courseRate?["first_batch_ms_without_jit_profile"] is { } cold)
            yield return new("course rate: first batch on a first start (no JIT profile yet)", $"{Figures.Whole(cold)} ms");
        foreach (var target in result["targets"]!.AsArray())
            yield return new(target!["what"]!.GetValue<string>(), target["measured_text"]!.GetValue<string>(), target["target"]!.GetValue<string>(), target["met"]!.GetValue<bool>());
    }
}
