using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Messages;
using TopUpSpark.Core.Schema;
using TopUpSpark.Producer;
using TopUpSpark.Producer.DataGeneration;
using TopUpSpark.Streaming.Checkpointing;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Job.Tests;

/// <summary>
/// What a restarted, starved or attacked job must not lose or duplicate: another cluster's checkpoint,
/// offsets that jump or go back, a frozen broker, a killed run's leftovers, a batch published twice, and
/// messages built to stop it.
/// </summary>
[NonParallelizable]
public class ReliabilityTests
{
    private static readonly DateTimeOffset ReplayStart = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
    private string _work = null!;
    private string _modelFile = null!;
    private TopUpInput _input = null!;

    [OneTimeSetUp]
    public async Task PrepareModelAndData()
    {
        _work = RepositoryRoot.NewScratchDirectory("reliability");
        _modelFile = await JobTestBed.ImportCourseModel(_work);
        var data = Path.Combine(_work, "data");
        DataGenerator.Generate(new GeneratorOptions { Customers = 500, Seed = 7, OutputDirectory = data });
        _input = TopUpInput.LoadDirectory(data, TopUpSchema.Default);
    }

    [OneTimeTearDown]
    public void Clean() => Directory.Delete(_work, recursive: true);

    private TopUpJobOptions Options(string name, bool failOnDataLoss = true) => new()
    {
        OutputDirectory = Path.Combine(_work, name, Guid.NewGuid().ToString("N")[..8]),
        OutputTopic = Topics.TopUpByState,
        ModelFile = _modelFile,
        Trigger = new Trigger.AvailableNow(),
        FlushAtEnd = true,
        FailOnDataLoss = failOnDataLoss,
    };

    private Task Produce(KafkaSettings kafka, int batches, int seed = 5, DateTimeOffset? start = null, string customerTopic = Topics.Customer, string bureauTopic = Topics.Bureau) =>
        new TopUpProducer(_input, kafka, new ProducerOptions
        {
            Replay = true, ReplayStart = start ?? ReplayStart, MaxBatches = batches, Seed = seed, CustomerTopic = customerTopic, BureauTopic = bureauTopic,
        }, logger: NullLogger.Instance).RunAsync();

    /// <summary>The cluster's settings, once <paramref name="batches"/> producer batches are in its topics.</summary>
    private async Task<KafkaSettings> ProducedInto(EmbeddedKafkaCluster cluster, int batches)
    {
        var kafka = new KafkaSettings(cluster.BootstrapServers);
        await Produce(kafka, batches);
        return kafka;
    }

    private static Task<JobSummary> Run(TopUpJobOptions options, KafkaSettings kafka, ILoggerFactory? loggers = null) =>
        TopUpJob.RunAsync(options, kafka, loggers ?? NullLoggerFactory.Instance, CancellationToken.None);

    [Test]
    public async Task A_checkpoint_written_against_another_Kafka_cluster_is_refused_with_a_clear_message()
    {
        var options = Options("other-cluster");
        using (var first = EmbeddedKafkaCluster.Start(topics: Topics.All))
        {
            var kafka = new KafkaSettings(first.BootstrapServers);
            await Produce(kafka, batches: 6);
            Assert.That((await Run(options, kafka)).Failed, Is.False);
        }
        var joinedBefore = ParquetRows.Canonical(options.JoinedDirectory);
        Assert.That(joinedBefore, Is.Not.Empty);

        using var second = EmbeddedKafkaCluster.Start(topics: Topics.All);
        var secondKafka = new KafkaSettings(second.BootstrapServers);
        await Produce(secondKafka, batches: 6);
        var refused = await Run(options, secondKafka);

        Assert.That(refused.Failed, Is.True);
        Assert.That(refused.Error, Does.Contain("was written against Kafka cluster").And.Contain("new --checkpoint").And.Contain(Path.GetFullPath(options.Checkpoint)));
        Assert.That(refused.Batches, Is.Zero);
        Assert.That(ParquetRows.Canonical(options.JoinedDirectory), Is.EqualTo(joinedBefore), "nothing was read from the other cluster");
    }

    [Test]
    public async Task Offsets_that_went_back_stop_the_job_naming_topic_partition_and_both_offsets_or_are_counted_when_tolerated()
    {
        var options = Options("went-back");
        string[] topics = [Topics.Customer, Topics.Bureau];
        Dictionary<string, Dictionary<int, long>> committed;
        using (var first = EmbeddedKafkaCluster.Start(topics: Topics.All))
        {
            var kafka = new KafkaSettings(first.BootstrapServers);
            await Produce(kafka, batches: 10);
            Assert.That((await Run(options, kafka)).Failed, Is.False);
            committed = topics.ToDictionary(t => t, t => JobTestBed.HighWatermarks(kafka, t, partitions: 4));
        }
        // A checkpoint of a version that did not record the cluster: only the offsets can tell.
        var metadataFile = Path.Combine(options.Checkpoint, "metadata");
        var metadata = JsonNode.Parse(File.ReadAllText(metadataFile))!.AsObject();
        Assert.That(metadata.Remove("kafkaClusters"), Is.True, "the checkpoint records the cluster");
        File.WriteAllText(metadataFile, metadata.ToJsonString());

        using var second = EmbeddedKafkaCluster.Start(topics: Topics.All);
        var secondKafka = new KafkaSettings(second.BootstrapServers);
        await Produce(secondKafka, batches: 1);
        var now = topics.ToDictionary(t => t, t => JobTestBed.HighWatermarks(secondKafka, t, partitions: 4));
        var stopped = await Run(options, secondKafka);

        Assert.That(stopped.Failed, Is.True);
        var named = System.Text.RegularExpressions.Regex.Match(stopped.Error!, @"data loss on (\w+)\[(\d+)\]: its offset was changed from (\d+) to (\d+)");
        Assert.That(named.Success, Is.True, stopped.Error);
        var (topic, partition) = (named.Groups[1].Value, int.Parse(named.Groups[2].Value));
        Assert.That(long.Parse(named.Groups[3].Value), Is.EqualTo(committed[topic][partition]), "the offset the checkpoint stands at");
        Assert.That(long.Parse(named.Groups[4].Value), Is.EqualTo(now[topic][partition]), "the broker's latest offset");
        Assert.That(stopped.Error, Does.Contain("--fail-on-data-loss false"));

        // Tolerated, Spark's way: the partitions go on from the broker's latest offsets, and what they hold is counted lost.
        var tolerant = options with { FailOnDataLoss = false };
        var tolerated = await Run(tolerant, secondKafka);
        Assert.That(tolerated.Failed, Is.False, tolerated.Error);
        Assert.That(tolerated.InputRows, Is.Zero);
        Assert.That(tolerated.LostRecords, Is.EqualTo(now.Values.Sum(t => t.Values.Sum())));
        await Produce(secondKafka, batches: 2, seed: 9, start: ReplayStart.AddMinutes(10));
        var after = await Run(tolerant, secondKafka);
        Assert.That(after.Failed, Is.False, after.Error);
        Assert.That(after.InputRows, Is.EqualTo(topics.Sum(t => JobTestBed.HighWatermarks(secondKafka, t, partitions: 4).Values.Sum() - now[t].Values.Sum())), "what arrived afterwards is read");
        Assert.That(after.LostRecords, Is.Zero);
    }

    [Test]
    public async Task A_gap_in_the_offsets_stops_the_job_naming_the_messages_dropped_before_they_were_read()
    {
        var options = Options("gap");
        using var cluster = EmbeddedKafkaCluster.Start(topics: Topics.All);
        var kafka = await ProducedInto(cluster, batches: 4);
        Assert.That((await Run(options, kafka)).Failed, Is.False);
        var standsAt = JobTestBed.HighWatermarks(kafka, Topics.Customer, partitions: 4)[0];

        // More than the embedded broker's 5 MiB per partition: the oldest unread messages are dropped.
        var payload = new byte[100 * 1024];
        Random.Shared.NextBytes(payload);
        using (var producer = new ProducerBuilder<Null, byte[]>(kafka.Producer("flood")).Build())
        {
            for (var i = 0; i < 80; i++) producer.Produce(new TopicPartition(Topics.Customer, 0), new Message<Null, byte[]> { Value = payload });
            Assert.That(producer.Flush(TimeSpan.FromSeconds(30)), Is.Zero);
        }
        var stopped = await Run(options, kafka);

        Assert.That(stopped.Failed, Is.True);
        Assert.That(stopped.Error, Does.Contain($"data loss on {Topics.Customer}[0]: expected offset {standsAt} but the broker's next is"));
        Assert.That(stopped.Error, Does.Contain("dropped before they were read"));
    }

    [Test]
    public async Task A_broker_frozen_for_two_minutes_mid_run_is_waited_out_and_nothing_is_lost()
    {
        var work = Path.Combine(_work, "frozen");
        Directory.CreateDirectory(work);
        using var broker = await BrokerProcess.StartAsync(work, [Topics.Customer, Topics.Bureau, "steady-out", "frozen-out"]);
        var kafka = new KafkaSettings(broker.BootstrapServers);
        await Produce(kafka, batches: 10);

        var steady = Options("steady") with { OutputTopic = "steady-out", MaxRecordsPerTrigger = 40 };
        Assert.That((await Run(steady, kafka)).Failed, Is.False);

        var log = new CollectingLoggerProvider();
        Task? resumed = null;
        log.Logged += entry =>
        {
            // On the job's own thread, as batch 3 reports: the next read meets a broker that answers nothing.
            if (resumed is null && entry.Message.StartsWith("batch 3:", StringComparison.Ordinal))
            {
                broker.Freeze();
                resumed = Task.Delay(TimeSpan.FromMinutes(2)).ContinueWith(_ => broker.Resume(), TaskScheduler.Default);
            }
        };
        var frozen = steady with { OutputDirectory = Path.Combine(work, "frozen-run"), OutputTopic = "frozen-out" };
        using var loggers = log.CreateFactory();
        var summary = await Run(frozen, kafka, loggers);
        Assert.That(resumed, Is.Not.Null, "the broker was frozen mid-run");
        await resumed!;

        Assert.That(summary.Failed, Is.False, summary.Error);
        var waiting = log.Entries.Where(e => e.Level == LogLevel.Warning && e.Message.Contains("has not answered for")).ToList();
        Assert.That(waiting, Has.Count.GreaterThanOrEqualTo(4), "it said, now and then, that it waited");
        Assert.That(waiting[0].Message, Does.Contain(broker.BootstrapServers));
        Assert.That(log.Entries.Any(e => e.Message.Contains("answered again after")), Is.True);
        Assert.That(ParquetRows.Canonical(frozen.JoinedDirectory), Is.EqualTo(ParquetRows.Canonical(steady.JoinedDirectory)));
        Assert.That(ParquetRows.Canonical(frozen.PredictionsDirectory), Is.EqualTo(ParquetRows.Canonical(steady.PredictionsDirectory)));
        Assert.That(JobTestBed.Totals(JobTestBed.ReadPublished(kafka, "frozen-out")), Is.EqualTo(JobTestBed.Totals(JobTestBed.ReadPublished(kafka, "steady-out"))));
    }

    [Test]
    public async Task What_a_killed_run_leaves_behind_is_removed_at_restart_and_the_outputs_equal_an_uninterrupted_run()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: Topics.All);
        var kafka = await ProducedInto(cluster, batches: 10);
        var clean = Options("uninterrupted") with { MaxRecordsPerTrigger = 60 };
        Assert.That((await Run(clean, kafka)).Failed, Is.False);
        var killed = clean with { OutputDirectory = Path.Combine(_work, "killed") };
        Assert.That((await Run(killed, kafka)).Failed, Is.False);

        // What a kill -9 in the middle of batch N's commits leaves: task 0 committed, the other tasks not; a
        // parquet file half written under its temporary name, a state record and a commit half appended to their
        // task's logs; metadata half rewritten.
        var tasks = Directory.GetDirectories(Path.Combine(killed.Checkpoint, "tasks")).Order().ToList();
        Assert.That(tasks, Has.Count.EqualTo(4), "a task per partition");
        var last = new QueryCheckpoint(new FileCheckpointStorage(killed.Checkpoint)).Task(1).LatestCommit()!.BatchId;
        var lastWithRows = Directory.GetFiles(killed.JoinedDirectory, "part-*.parquet").Order().Last();
        var leftovers = new[]
        {
            Path.Combine(killed.JoinedDirectory, $".{Path.GetFileName(lastWithRows)}.{Guid.NewGuid():N}.tmp"),
            Path.Combine(killed.PredictionsDirectory, $".part-{last + 1:D8}-00002.snappy.parquet.{Guid.NewGuid():N}.tmp"),
            Path.Combine(killed.Checkpoint, $"metadata.{KilledWriter}.tmp"),
        };
        var half = File.ReadAllBytes(lastWithRows)[..^100];
        foreach (var leftover in leftovers) File.WriteAllBytes(leftover, half);
        var cutCommits = tasks.Skip(1).Select(task => TaskLogFiles.RemoveCommit(task, last)).ToList();
        File.AppendAllText(TaskLogFiles.NewestSegment(tasks[3], "log"), cutCommits[^1][..(cutCommits[^1].Length / 2)]);
        var stateSegment = TaskLogFiles.NewestSegment(tasks[1], "state");
        File.AppendAllBytes(stateSegment, File.ReadAllBytes(stateSegment)[..100]);

        var log = new CollectingLoggerProvider();
        using var loggers = log.CreateFactory();
        var restarted = await Run(killed, kafka, loggers);

        Assert.That(restarted.Failed, Is.False, restarted.Error);
        Assert.That(Directory.GetFiles(killed.OutputDirectory, "*.tmp", SearchOption.AllDirectories), Is.Empty);
        foreach (var leftover in leftovers)
            Assert.That(log.Entries.Any(e => e.Message.Contains(leftover) || e.Message.Contains(Path.GetFileName(leftover))), Is.True, $"the removal of {leftover} was logged");
        Assert.That(log.Entries.Any(e => e.Message.Contains($"batch {last} of tasks [1, 2, 3] was planned but not committed")), Is.True, "the batch was replayed for the tasks that had not committed");
        Assert.That(ParquetRows.Canonical(killed.JoinedDirectory), Is.EqualTo(ParquetRows.Canonical(clean.JoinedDirectory)));
        Assert.That(ParquetRows.Canonical(killed.PredictionsDirectory), Is.EqualTo(ParquetRows.Canonical(clean.PredictionsDirectory)));
    }

    /// <summary>How a writer of this machine that no longer runs names its temporary files (no process has pid 2^31 − 1).</summary>
    private static readonly string KilledWriter = $"{Environment.MachineName}-{int.MaxValue}-7";

    [Test]
    public async Task Metadata_cut_off_by_a_kill_during_the_first_start_does_not_stop_later_starts()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: Topics.All);
        var kafka = await ProducedInto(cluster, batches: 4);
        var options = Options("cut-metadata");
        Directory.CreateDirectory(options.Checkpoint);
        File.WriteAllText(Path.Combine(options.Checkpoint, "metadata"), "{\"id\":\"3f2a");

        var summary = await Run(options, kafka);

        Assert.That(summary.Failed, Is.False, summary.Error);
        Assert.That(summary.InputRows, Is.GreaterThan(0));
        Assert.That(JsonNode.Parse(File.ReadAllText(Path.Combine(options.Checkpoint, "metadata")))!["id"]!.GetValue<Guid>(), Is.Not.EqualTo(Guid.Empty));
    }

    [Test]
    public async Task A_batch_replayed_after_Kafka_acknowledged_it_is_published_again_with_the_same_headers_and_not_at_all_once_recorded()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: Topics.All);
        var kafka = await ProducedInto(cluster, batches: 10);
        var options = Options("replayed-publish");
        Assert.That((await Run(options, kafka)).Failed, Is.False);
        var first = JobTestBed.ReadTopic(kafka, options.OutputTopic);
        var lastPublished = first.Select(m => BatchPart.TryRead(m.Message.Headers, out _)!.BatchId).Max();
        var tasks = Directory.GetDirectories(Path.Combine(options.Checkpoint, "tasks"));
        var records = Directory.GetFiles(Path.Combine(options.Checkpoint, "sinks", $"publish-per-state-counts-to-{options.OutputTopic}"), $"{lastPublished}-*").ToList();
        Assert.That(records.Select(Path.GetFileName), Is.EqualTo(new[] { $"{lastPublished}-0-3" }), "the batch's delivery is recorded with its tasks");

        // Killed after the delivery was recorded, before the commit: the replay must not publish again.
        foreach (var task in tasks) TaskLogFiles.RemoveCommit(task, lastPublished);
        Assert.That((await Run(options, kafka)).Failed, Is.False);
        Assert.That(JobTestBed.ReadTopic(kafka, options.OutputTopic), Has.Count.EqualTo(first.Count));

        // Killed between Kafka's acknowledgement and that record: published again, recognisably the same part.
        foreach (var task in tasks) TaskLogFiles.RemoveCommit(task, lastPublished);
        records.ForEach(File.Delete);
        Assert.That((await Run(options, kafka)).Failed, Is.False);
        var all = JobTestBed.ReadTopic(kafka, options.OutputTopic);
        var repeated = all.Skip(0).Where(m => !first.Any(f => f.Partition == m.Partition && f.Offset == m.Offset)).ToList();
        var original = first.Where(m => BatchPart.TryRead(m.Message.Headers, out _)!.BatchId == lastPublished).ToList();
        Assert.That(repeated, Has.Count.EqualTo(original.Count));
        static string Identity(ConsumeResult<byte[]?, byte[]> m) =>
            $"{BatchPart.TryRead(m.Message.Headers, out _)}|{Encoding.UTF8.GetString(m.Message.Key!)}|{Encoding.UTF8.GetString(m.Message.Value)}";
        Assert.That(repeated.Select(Identity).Order(), Is.EqualTo(original.Select(Identity).Order()));
        Assert.That(JobTestBed.Totals(JobTestBed.ReadPublished(kafka, options.OutputTopic, out var repeatedParts)), Is.EqualTo(JobTestBed.Totals(Windows(first))));
        Assert.That(repeatedParts, Is.EqualTo(original.Count));
    }

    [Test]
    public async Task Messages_built_to_stop_the_job_are_dead_lettered_bounded_and_recoverable_and_the_outputs_are_unchanged()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: [Topics.Customer, Topics.Bureau, "clean-customer", "clean-bureau", "poisoned-out", "clean-out"]);
        var kafka = new KafkaSettings(cluster.BootstrapServers);
        await Produce(kafka, batches: 8);
        await Produce(kafka, batches: 8, customerTopic: "clean-customer", bureauTopic: "clean-bureau");
        var valid = JsonNode.Parse(Encoding.UTF8.GetString(JobTestBed.ReadTopic(kafka, Topics.Customer)[0].Message.Value))!.AsObject();
        string With(string name, string value)
        {
            var copy = valid.DeepClone().AsObject();
            copy[name] = value;
            return copy.ToJsonString();
        }
        var hugeName = new string('N', 600_000);
        var poison = new (byte[]? Key, string Value, string Why)[]
        {
            (Encoding.UTF8.GetBytes(new string('K', 1_500_000)), valid.ToJsonString(), "1.5 MiB key"),
            (Encoding.UTF8.GetBytes("x1"), With(hugeName, "1"), "600 KB unknown column name"),
            (Encoding.UTF8.GetBytes("x2"), With("ts", new string('9', 600_000)), "600 KB ts"),
            ([0xff, 0xfe, 0x00, 0x80], "{not json", "a key that is not UTF-8, malformed JSON"),
            (null, With("ID", ""), "an empty ID, no key"),
        };
        var producerConfig = kafka.Producer("poison");
        producerConfig.MessageMaxBytes = 4_000_000;
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(producerConfig).Build())
        {
            foreach (var (key, value, _) in poison)
                producer.Produce(Topics.Customer, new Message<byte[]?, byte[]> { Key = key, Value = Encoding.UTF8.GetBytes(value) });
            Assert.That(producer.Flush(TimeSpan.FromSeconds(30)), Is.Zero);
        }

        var log = new CollectingLoggerProvider();
        using var loggers = log.CreateFactory();
        var poisoned = Options("poisoned") with { OutputTopic = "poisoned-out" };
        var summary = await Run(poisoned, kafka, loggers);
        var clean = Options("clean") with { OutputTopic = "clean-out", CustomerTopic = "clean-customer", BureauTopic = "clean-bureau" };
        Assert.That((await Run(clean, kafka)).Failed, Is.False);

        Assert.That(summary.Failed, Is.False, summary.Error);
        Assert.That(summary.DeadLetters, Is.EqualTo(poison.Length));
        Assert.That(ParquetRows.Canonical(poisoned.JoinedDirectory), Is.EqualTo(ParquetRows.Canonical(clean.JoinedDirectory)));
        Assert.That(ParquetRows.Canonical(poisoned.PredictionsDirectory), Is.EqualTo(ParquetRows.Canonical(clean.PredictionsDirectory)));
        Assert.That(log.Entries.Max(e => e.Message.Length), Is.LessThan(4_000), "no log line quotes a poison message in full");

        var sourceOffsets = JobTestBed.ReadTopic(kafka, Topics.Customer).ToDictionary(m => (m.Partition.Value, m.Offset.Value));
        var letters = JobTestBed.ReadTopic(kafka, Topics.DeadLetter(Topics.Customer));
        Assert.That(letters, Has.Count.EqualTo(poison.Length));
        foreach (var letter in letters)
        {
            string Header(string name) => Encoding.UTF8.GetString(letter.Message.Headers.GetLastBytes(name));
            var origin = sourceOffsets[(int.Parse(Header(DeadLetterHeaders.SourcePartition)), long.Parse(Header(DeadLetterHeaders.SourceOffset)))];
            Assert.That(Header(DeadLetterHeaders.SourceTopic), Is.EqualTo(Topics.Customer));
            Assert.That(Header(DeadLetterHeaders.Reason).Length, Is.LessThanOrEqualTo(DeadLetter.MaxReasonLength));
            Assert.That(BatchPart.TryRead(letter.Message.Headers, out _), Is.Not.Null, "the batch it came from");
            var size = (letter.Message.Key?.Length ?? 0) + letter.Message.Value.Length + letter.Message.Headers.Sum(h => h.Key.Length + h.GetValueBytes().Length);
            Assert.That(size, Is.LessThanOrEqualTo(KafkaDeadLetterSink.DefaultMaxLetterBytes));
            // Whatever was cut names its original length, and the source topic still holds the original at the named offset.
            Assert.That(PartOrCut(letter.Message.Key, origin.Message.Key, letter.Message.Headers, DeadLetterHeaders.KeyTruncatedFromBytes), Is.True, "key");
            Assert.That(PartOrCut(letter.Message.Value, origin.Message.Value, letter.Message.Headers, DeadLetterHeaders.ValueTruncatedFromBytes), Is.True, "value");
        }
        var reasons = letters.Select(l => Encoding.UTF8.GetString(l.Message.Headers.GetLastBytes(DeadLetterHeaders.Reason))).ToList();
        Assert.That(reasons, Has.Some.Contains("exceeds the 1048576-byte limit"));
        Assert.That(reasons, Has.Some.Contains("characters left out"));
        var nonUtf8 = letters.Single(l => l.Message.Key is [0xff, ..]);
        Assert.That(nonUtf8.Message.Key, Is.EqualTo(new byte[] { 0xff, 0xfe, 0x00, 0x80 }), "a key that is not UTF-8 keeps its bytes");
    }

    [Test]
    public async Task Input_messages_larger_than_the_limit_are_dead_lettered_and_the_rest_processed()
    {
        using var cluster = EmbeddedKafkaCluster.Start(topics: Topics.All);
        var kafka = await ProducedInto(cluster, batches: 6);
        var sizes = JobTestBed.ReadTopic(kafka, Topics.Bureau).Select(m => m.Message.Value.Length + (m.Message.Key?.Length ?? 0)).Order().ToList();
        var limit = sizes[sizes.Count / 2];
        var summary = await Run(Options("limit") with { MaxMessageBytes = limit }, kafka);

        Assert.That(summary.Failed, Is.False, summary.Error);
        Assert.That(summary.DeadLetters, Is.EqualTo(sizes.Count(s => s > limit)));
        var letters = JobTestBed.ReadTopic(kafka, Topics.DeadLetter(Topics.Bureau));
        Assert.That(letters, Has.Count.EqualTo(sizes.Count(s => s > limit)));
        Assert.That(letters.Select(l => Encoding.UTF8.GetString(l.Message.Headers.GetLastBytes(DeadLetterHeaders.Reason))),
            Is.All.Contains($"exceeds the {limit}-byte limit (--max-message-bytes)"));
        Assert.That(letters.All(l => l.Message.Value.Length + (l.Message.Key?.Length ?? 0) <= limit), Is.True, "a letter is no larger than the limit allows");
    }

    private static bool PartOrCut(byte[]? sent, byte[]? original, Headers headers, string truncatedHeader)
    {
        if (!headers.TryGetLastBytes(truncatedHeader, out var length)) return sent is null ? original is null : original is not null && sent.SequenceEqual(original);
        return original is not null && long.Parse(Encoding.UTF8.GetString(length)) == original.Length && original.AsSpan().StartsWith(sent ?? []);
    }


    private static Dictionary<string, StateCountsMessage> Windows(IEnumerable<ConsumeResult<byte[]?, byte[]>> messages) =>
        messages.GroupBy(m => Encoding.UTF8.GetString(m.Message.Key!)).ToDictionary(g => g.Key, g =>
        {
            var counts = g.SelectMany(m => StateCountsMessage.TryDecode(g.Key, m.Message.Value, out var message, out _) ? message!.Counts : [])
                .GroupBy(c => c.State).Select(s => new StateCount(s.Key, s.Sum(c => c.Count))).ToList();
            return new StateCountsMessage(DateTimeOffset.UnixEpoch, counts);
        });

}
