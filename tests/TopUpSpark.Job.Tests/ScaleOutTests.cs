using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Messages;
using TopUpSpark.Core.Schema;
using TopUpSpark.Producer;
using TopUpSpark.Producer.DataGeneration;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Job.Tests;

/// <summary>
/// One query as several instances (issue 12), on the embedded broker with 8 partitions: whatever the
/// number of instances, the way they share the tasks, and instances dying mid-run, the joined rows, the
/// predictions and the per-window per-state totals equal those of a single instance.
/// </summary>
[NonParallelizable]
public class ScaleOutTests
{
    private const int Partitions = 8;
    private static readonly DateTimeOffset ReplayStart = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
    private string _work = null!;
    private string _modelFile = null!;
    private string _dataDirectory = null!;
    private TopUpInput _input = null!;

    [OneTimeSetUp]
    public async Task PrepareModelAndData()
    {
        _work = RepositoryRoot.NewScratchDirectory("scale-out");
        _modelFile = await JobTestBed.ImportCourseModel(_work);
        _dataDirectory = Path.Combine(_work, "data");
        DataGenerator.Generate(new GeneratorOptions { Customers = 800, Seed = 21, OutputDirectory = _dataDirectory });
        _input = TopUpInput.LoadDirectory(_dataDirectory, TopUpSchema.Default);
    }

    [OneTimeTearDown]
    public void Clean() => Directory.Delete(_work, recursive: true);

    private TopUpJobOptions Options(string name, string outputTopic) => new()
    {
        OutputDirectory = Path.Combine(_work, name),
        OutputTopic = outputTopic,
        ModelFile = _modelFile,
        Trigger = new Trigger.AvailableNow(),
    };

    private Task Produce(KafkaSettings kafka, int batches, int seed, DateTimeOffset start) =>
        new TopUpProducer(_input, kafka, new ProducerOptions { Replay = true, ReplayStart = start, MaxBatches = batches, Seed = seed }, logger: NullLogger.Instance).RunAsync();

    private static Task<JobSummary> Run(TopUpJobOptions options, KafkaSettings kafka) =>
        Task.Run(() => TopUpJob.RunAsync(options, kafka, NullLoggerFactory.Instance, CancellationToken.None));

    /// <summary>Several instances of one query at once, each with its own name, sharing --out and the checkpoint.</summary>
    private static async Task<JobSummary[]> RunInstances(TopUpJobOptions options, KafkaSettings kafka, params Func<TopUpJobOptions, TopUpJobOptions>[] instances)
    {
        var summaries = await Task.WhenAll(instances.Select((instance, i) => Run(instance(options with { Instance = $"instance-{i}" }), kafka)));
        foreach (var summary in summaries) Assert.That(summary.Failed, Is.False, summary.Error);
        return summaries;
    }

    private static void AssertSameOutputs(TopUpJobOptions expected, TopUpJobOptions actual, KafkaSettings kafka)
    {
        var joined = ParquetRows.Canonical(expected.JoinedDirectory);
        Assert.That(joined, Has.Count.GreaterThan(50), "the run must exercise a real volume of joins");
        Assert.That(ParquetRows.Canonical(actual.JoinedDirectory), Is.EqualTo(joined), "joined rows");
        Assert.That(ParquetRows.Canonical(actual.PredictionsDirectory), Is.EqualTo(ParquetRows.Canonical(expected.PredictionsDirectory)), "predictions");
        var windows = JobTestBed.Totals(JobTestBed.ReadPublished(kafka, expected.OutputTopic));
        Assert.That(windows, Is.Not.Empty);
        Assert.That(JobTestBed.Totals(JobTestBed.ReadPublished(kafka, actual.OutputTopic)), Is.EqualTo(windows), "per-window per-state totals on the output topic");
    }


    [Test]
    public async Task Three_instances_in_a_consumer_group_produce_what_one_instance_does()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: [Topics.Customer, Topics.Bureau, "one-out", "group-out"], partitions: Partitions);
        var kafka = new KafkaSettings(cluster.BootstrapServers);
        await Produce(kafka, batches: 16, seed: 3, ReplayStart);

        var one = Options("one", "one-out") with { FlushAtEnd = true };
        Assert.That((await Run(one, kafka)).Failed, Is.False);
        var group = Options("group", "group-out") with { FlushAtEnd = true, GroupId = "scale-out-" + Guid.NewGuid().ToString("N")[..8] };
        await RunInstances(group, kafka, o => o, o => o, o => o);

        AssertSameOutputs(one, group, kafka);
        var tasks = Directory.GetDirectories(Path.Combine(group.Checkpoint, "tasks")).Select(Path.GetFileName).Order().ToList();
        Assert.That(tasks, Is.EqualTo(Enumerable.Range(0, Partitions).Select(p => p.ToString()).Order()), "a checkpoint folder per task");
    }

    [Test]
    public async Task Scaling_one_to_three_to_two_instances_across_restarts_on_one_checkpoint_equals_one_instance_throughout()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: [Topics.Customer, Topics.Bureau, "steady-out", "scaled-out"], partitions: Partitions);
        var kafka = new KafkaSettings(cluster.BootstrapServers);
        var steady = Options("steady", "steady-out");
        var scaled = Options("scaled", "scaled-out");

        await Produce(kafka, batches: 6, seed: 1, ReplayStart);
        Assert.That((await Run(steady, kafka)).Failed, Is.False);
        await RunInstances(scaled, kafka, o => o);

        await Produce(kafka, batches: 6, seed: 2, ReplayStart.AddSeconds(6 * 5));
        Assert.That((await Run(steady, kafka)).Failed, Is.False);
        var group = "scaled-" + Guid.NewGuid().ToString("N")[..8];
        await RunInstances(scaled, kafka, o => o with { GroupId = group }, o => o with { GroupId = group }, o => o with { GroupId = group });

        await Produce(kafka, batches: 6, seed: 4, ReplayStart.AddSeconds(12 * 5));
        Assert.That((await Run(steady with { FlushAtEnd = true }, kafka)).Failed, Is.False);
        await RunInstances(scaled with { FlushAtEnd = true }, kafka, o => o with { Tasks = [0, 1, 2, 3] }, o => o with { Tasks = [4, 5, 6, 7] });

        AssertSameOutputs(steady, scaled, kafka);
    }

    [Test]
    public async Task Inputs_with_different_partition_counts_are_refused_with_a_clear_message()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: ["topup-by-state"]);
        cluster.CreateTopic(Topics.Customer, partitions: 8);
        cluster.CreateTopic(Topics.Bureau, partitions: 4);
        var summary = await Run(Options("mismatched", Topics.TopUpByState), new KafkaSettings(cluster.BootstrapServers));

        Assert.That(summary.Failed, Is.True);
        Assert.That(summary.Error, Does.Contain("not co-partitioned").And.Contain("customer has 8 partitions").And.Contain("bureau has 4 partitions"));
    }

    [Test]
    public async Task A_task_folder_written_by_another_query_is_refused_with_a_clear_message()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: Topics.All, partitions: Partitions);
        var kafka = new KafkaSettings(cluster.BootstrapServers);
        await Produce(kafka, batches: 3, seed: 1, ReplayStart);
        var first = Options("first-query", Topics.TopUpByState);
        var second = Options("second-query", Topics.TopUpByState);
        Assert.That((await Run(first, kafka)).Failed, Is.False);
        Assert.That((await Run(second, kafka)).Failed, Is.False);

        // A checkpoint put together from two: task 5 of the second query in the first's folder.
        var task5 = Path.Combine(first.Checkpoint, "tasks", "5");
        Directory.Delete(task5, recursive: true);
        CopyDirectory(Path.Combine(second.Checkpoint, "tasks", "5"), task5);
        var secondId = JsonNode.Parse(File.ReadAllText(Path.Combine(second.Checkpoint, "metadata")))!["id"]!.GetValue<Guid>();
        var refused = await Run(first, kafka);

        Assert.That(refused.Failed, Is.True);
        Assert.That(refused.Error, Does.Contain($"was written by query {secondId}").And.Contain("tasks").And.Contain("5"));
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(directory.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to));
    }

    /// <summary>
    /// The real programs, each in its own process: three job instances in a consumer group with a
    /// processing-time trigger while data arrives, one of them killed with SIGKILL mid-run. Its tasks move to
    /// the two others, which restore them from the checkpoint and replay the batch it never committed.
    /// </summary>
    [Test]
    public async Task Killing_one_of_three_job_processes_moves_its_tasks_and_nothing_is_lost_or_written_twice()
    {
        var work = Path.Combine(_work, "killed-instance");
        Directory.CreateDirectory(work);
        using var broker = await BrokerProcess.StartAsync(work, [Topics.Customer, Topics.Bureau, "single-out", "killed-out"], Partitions);
        var kafka = new KafkaSettings(broker.BootstrapServers);
        var group = "killed-" + Guid.NewGuid().ToString("N")[..8];
        var killedOut = Path.Combine(work, "out");
        var jobs = Enumerable.Range(0, 3).Select(i => ProgramProcess.Start(ProgramProcess.Dll("spark-job", "topup-job"), Path.Combine(work, $"job-{i}.log"),
            ["--bootstrap-servers", broker.BootstrapServers, "--model", _modelFile, "--out", killedOut, "--output-topic", "killed-out",
             "--trigger", "500ms", "--group-id", group, "--instance", $"job-{i}", "--cores", "1"])).ToList();
        try
        {
            foreach (var job in jobs)
                await job.WaitForLineAsync(line => line.Contains("consumer group") && line.Contains("assigned this instance tasks"), TimeSpan.FromMinutes(2));

            // Data arrives while the group runs; the victim dies once it has committed batches with data of its own.
            for (var part = 0; part < 3; part++) await Produce(kafka, batches: 4, seed: 10 + part, ReplayStart.AddSeconds(part * 4 * 5));
            var victim = jobs[1];
            await victim.WaitForLineAsync(line => System.Text.RegularExpressions.Regex.IsMatch(line, @"batch \d+: [1-9][\d,]* rows"), TimeSpan.FromMinutes(2));
            await Produce(kafka, batches: 4, seed: 20, ReplayStart.AddSeconds(12 * 5));
            var victimTasks = AssignedTasks(victim.Lines.Last(line => line.Contains("assigned this instance tasks")));
            Assert.That(victimTasks, Is.Not.Empty, "the victim runs tasks when it is killed");
            var survivors = jobs.Where(j => j != victim).ToList();
            var linesBeforeKill = survivors.Select(j => j.Lines.Count).ToList();
            victim.Signal(ProgramProcess.SigKill);
            await victim.WaitForExitAsync(TimeSpan.FromSeconds(30));
            await Produce(kafka, batches: 4, seed: 21, ReplayStart.AddSeconds(16 * 5));

            var single = Options("single", "single-out");
            Assert.That((await Run(single, kafka)).Failed, Is.False);
            var killed = single with { OutputDirectory = killedOut, OutputTopic = "killed-out" };
            await WaitForSameOutputs(single, killed, kafka, jobs.Where(j => j != victim).ToList());
            foreach (var survivor in jobs.Where(j => j != victim))
            {
                survivor.Signal(ProgramProcess.SigTerm);
                Assert.That(await survivor.WaitForExitAsync(TimeSpan.FromMinutes(2)), Is.Zero, survivor.Output);
            }

            var takenOver = survivors.SelectMany((j, i) => j.Lines.Skip(linesBeforeKill[i]).Where(line => line.Contains("assigned this instance tasks")).SelectMany(AssignedTasks));
            Assert.That(takenOver, Is.SupersetOf(victimTasks), "the survivors took the victim's tasks over");
            AssertSameOutputs(single, killed, kafka);
        }
        finally
        {
            foreach (var job in jobs) job.Dispose();
        }
    }

    private static List<int> AssignedTasks(string line) =>
        System.Text.RegularExpressions.Regex.Match(line, @"tasks \[([\d, ]*)\]").Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToList();

    /// <summary>The survivors run on; once they have caught up, their outputs must be the single instance's (checked until then).</summary>
    private static async Task WaitForSameOutputs(TopUpJobOptions expected, TopUpJobOptions actual, KafkaSettings kafka, IReadOnlyList<ProgramProcess> survivors)
    {
        string Outputs(TopUpJobOptions options) => string.Join("\n", ParquetRows.Canonical(options.JoinedDirectory).Concat(ParquetRows.Canonical(options.PredictionsDirectory))
            .Concat(JobTestBed.Totals(JobTestBed.ReadPublished(kafka, options.OutputTopic)).Select(t => $"{t.Key}:{t.Value}")));
        var wanted = Outputs(expected);
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (Outputs(actual) != wanted && DateTime.UtcNow < deadline)
        {
            Assert.That(survivors.All(s => !s.HasExited), Is.True, "a survivor stopped:\n" + string.Join("\n----\n", survivors.Select(s => s.Output)));
            await Task.Delay(1000);
        }
    }

}
