using Confluent.Kafka;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Messages;
using TopUpSpark.Core.Schema;
using TopUpSpark.Producer;
using TopUpSpark.Producer.DataGeneration;

namespace TopUpSpark.Bench;

/// <summary>
/// Plumbing the pipeline benchmarks share: generated data (full size, or smaller with --quick), cached
/// between runs, and an embedded broker filled with one full replay of it.
/// </summary>
public static class BenchData
{
    public const long Seed = 1;

    /// <summary>Partitions per input topic: the mock broker keeps only 5 MiB per partition, so a full replay needs many.</summary>
    public const int Partitions = 64;

    /// <summary>Fixed event time of the first replayed batch, so every run sends identical bytes.</summary>
    public static readonly DateTimeOffset ReplayStart = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    public static int Customers(BenchContext context) => context.Quick ? 20_000 : GeneratorOptions.OriginalCustomers;

    /// <summary>A generated dataset on disk and what the generator reported when it wrote it.</summary>
    public sealed record DataSet(string Directory, GenerationSummary Summary, bool FromCache, double SecondsToGenerate);

    /// <summary>
    /// The generated data for this run's size and <paramref name="seed"/>, under <c>artifacts/bench/work/data/</c>,
    /// shared by all benchmarks. Regenerated when missing or when the generator's code changed.
    /// </summary>
    public static DataSet EnsureGeneratedData(BenchContext context, long seed = Seed)
    {
        var customers = Customers(context);
        var generator = typeof(DataGenerator).Assembly.ManifestModule.ModuleVersionId.ToString("N");
        var directory = Path.GetFullPath(Path.Combine(context.WorkDirectory, "..", "data", $"customers-{customers}-seed-{seed}"));
        var marker = Path.Combine(directory, "generated.json");
        if (File.Exists(marker) && JsonSerializer.Deserialize<Marker>(File.ReadAllText(marker)) is { } cached && cached.Generator == generator)
        {
            context.Log($"using cached data in {directory}");
            return new DataSet(directory, cached.Summary, FromCache: true, SecondsToGenerate: 0);
        }
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        context.Log($"generating {customers} customers (seed {seed}) into {directory}");
        var clock = Stopwatch.StartNew();
        var summary = DataGenerator.Generate(new GeneratorOptions { Customers = customers, Seed = seed, OutputDirectory = directory });
        File.WriteAllText(marker, JsonSerializer.Serialize(new Marker(generator, summary)));
        context.Log($"generated {summary.Customers} customers and {summary.BureauRows} bureau rows in {clock.Elapsed.TotalSeconds:F1} s");
        return new DataSet(directory, summary, FromCache: false, SecondsToGenerate: clock.Elapsed.TotalSeconds);
    }

    private sealed record Marker(string Generator, GenerationSummary Summary);

    /// <summary>Loads a dataset for the producer (parse and encode every row), timed.</summary>
    public static (TopUpInput Input, double Seconds) Load(DataSet data)
    {
        var clock = Stopwatch.StartNew();
        var input = TopUpInput.LoadDirectory(data.Directory, TopUpSchema.Default, NullLogger.Instance);
        return (input, clock.Elapsed.TotalSeconds);
    }

    /// <summary>An embedded broker with the customer and bureau topics, <see cref="Partitions"/> partitions each.</summary>
    public static EmbeddedKafkaCluster StartBroker() =>
        EmbeddedKafkaCluster.Start(topics: [Topics.Customer, Topics.Bureau], partitions: Partitions);

    /// <summary>Replays every customer once, as fast as possible, with fixed batch sizes and event times.</summary>
    public static Task<ProducerRunSummary> ReplayOnce(TopUpInput input, string bootstrapServers, CancellationToken cancel) =>
        new TopUpProducer(input, new KafkaSettings(bootstrapServers), new ProducerOptions
        {
            Replay = true,
            StopAtEnd = true,
            Seed = (int)Seed,
            ReplayStart = ReplayStart,
        }).RunAsync(cancel);

    /// <summary>
    /// A broker holding one full replay of the dataset: what the consuming benchmarks read. The caller
    /// disposes the cluster.
    /// </summary>
    public static async Task<(EmbeddedKafkaCluster Cluster, ProducerRunSummary Replay)> FillBroker(BenchContext context, DataSet data,
        CancellationToken cancel)
    {
        var (input, loadSeconds) = Load(data);
        context.Log($"loaded {input.Customers.Count} customers and {input.BureauRowCount} bureau rows in {loadSeconds:F1} s");
        var cluster = StartBroker();
        try
        {
            var replay = await ReplayOnce(input, cluster.BootstrapServers, cancel);
            if (replay.DeliveryFailures > 0)
                throw new InvalidOperationException($"filling the broker failed: {replay.DeliveryFailures} message(s) were not delivered");
            context.Log($"broker filled with {replay.Messages} messages in {replay.Elapsed.TotalSeconds:F1} s");
            return (cluster, replay);
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>How the raw consume reads: Confluent.Kafka's <c>IConsumer.Consume</c>, or librdkafka's batch API as the job does.</summary>
    public enum RawReader { ConfluentConsume, BatchConsumer }

    /// <summary>
    /// A raw read of everything: messages, bytes of keys and values, messages lost to offset gaps, and the
    /// seconds from the start of reading to the last message received. Reading starts as the job's first batch
    /// does: the consumer created and connected, the topic's metadata loaded and the partitions assigned at known
    /// offsets, all left out; the first fetch's round trip is in, as it is in the job's first batch.
    /// </summary>
    /// <param name="CpuSeconds">The process's CPU time over the whole read, all threads (librdkafka's included).</param>
    public sealed record RawRead(RawReader Reader, long Messages, long Bytes, double Seconds, long Lost, double CpuSeconds)
    {
        public double Rate => Messages / Seconds;
        public double CpuMicrosPerMessage => 1e6 * CpuSeconds / Messages;
    }

    /// <summary>What one reader saw, with the <see cref="Stopwatch"/> times of its start of reading and of its last message.</summary>
    private readonly record struct ReaderTally(long Messages, long Bytes, long Lost, long FirstTicks, long LastTicks)
    {
        public static ReaderTally Combine(ReaderTally a, ReaderTally b) =>
            new(a.Messages + b.Messages, a.Bytes + b.Bytes, a.Lost + b.Lost, Math.Min(a.FirstTicks, b.FirstTicks), Math.Max(a.LastTicks, b.LastTicks));
    }

    /// <summary>
    /// Reads every message of the customer and bureau topics back as fast as the reader can, doing nothing
    /// with them: the ceiling any consumer of these topics is measured against. Every partition was empty
    /// before the replay, so reading starts at offset 0, and data the mock broker dropped shows as lost.
    /// </summary>
    public static RawRead ConsumeEverything(string bootstrapServers, RawReader reader, CancellationToken cancel)
    {
        var config = new KafkaSettings(bootstrapServers).Consumer("raw-consume-bench", "raw-consume-bench-" + Guid.NewGuid());
        config.MaxPartitionFetchBytes = 8 * 1024 * 1024;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var tally = reader == RawReader.ConfluentConsume
            ? ReadWithConfluentConsume(config, [Topics.Customer, Topics.Bureau], cancel)
            // One batch consumer per topic, each on its own thread, as the job's two sources read.
            : ReadSideBySide(config, [Topics.Customer, Topics.Bureau], cancel);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        return new RawRead(reader, tally.Messages, tally.Bytes, Stopwatch.GetElapsedTime(tally.FirstTicks, tally.LastTicks).TotalSeconds, tally.Lost,
            cpu.TotalSeconds);
    }

    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);

    private static TopicPartition[] AllPartitions(IEnumerable<string> topics) =>
        topics.SelectMany(topic => Enumerable.Range(0, Partitions).Select(p => new TopicPartition(topic, p))).ToArray();

    private static OffsetGapDetector GapsFromStart(IEnumerable<TopicPartition> partitions)
    {
        var gaps = new OffsetGapDetector(failOnDataLoss: false);
        foreach (var partition in partitions) gaps.Expect(partition, 0);
        return gaps;
    }

    private static ReaderTally ReadWithConfluentConsume(ConsumerConfig config, string[] topics, CancellationToken cancel)
    {
        var partitions = AllPartitions(topics);
        var gaps = GapsFromStart(partitions);
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        // Connects and loads the topics' metadata before the clock starts.
        foreach (var topic in topics) consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), MetadataTimeout);
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, 0)));
        var atEnd = new HashSet<TopicPartition>();
        long messages = 0, bytes = 0, last = 0;
        var first = Stopwatch.GetTimestamp();
        while (atEnd.Count < partitions.Length)
        {
            cancel.ThrowIfCancellationRequested();
            var result = consumer.Consume(TimeSpan.FromSeconds(5))
                ?? throw new TimeoutException($"no message for 5 s with {partitions.Length - atEnd.Count} partition(s) still unread");
            if (result.IsPartitionEOF)
            {
                atEnd.Add(result.TopicPartition);
                continue;
            }
            gaps.Observe(result.TopicPartition, result.Offset.Value);
            last = Stopwatch.GetTimestamp();
            messages++;
            bytes += result.Message.Value.Length + (result.Message.Key?.Length ?? 0);
        }
        return new ReaderTally(messages, bytes, gaps.LostMessages, first, last);
    }

    /// <summary>One batch consumer per topic, each on a thread of its own, as the job's two sources read; both start reading at once.</summary>
    private static ReaderTally ReadSideBySide(ConsumerConfig config, string[] topics, CancellationToken cancel)
    {
        using var ready = new Barrier(topics.Length);
        var reads = topics.Select(topic => Task.Factory.StartNew(() => ReadWithBatchConsumer(config, topic, keep: null, ready, cancel), cancel,
            TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToList();
        // Both end before the barrier goes: a failed reader's error is thrown once the other is done with it.
        return Task.WhenAll(reads).GetAwaiter().GetResult().Aggregate(ReaderTally.Combine);
    }

    private static ReaderTally ReadWithBatchConsumer(ConsumerConfig config, string topic, MessagesInMemory? keep, Barrier? ready, CancellationToken cancel)
    {
        var partitions = AllPartitions([topic]);
        var gaps = GapsFromStart(partitions);
        KafkaBatchConsumer? consumer = null;
        try
        {
            consumer = new KafkaBatchConsumer(config);
            consumer.LoadTopicMetadata(topic, MetadataTimeout);
            consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, 0)));
        }
        catch
        {
            consumer?.Dispose();
            // The other reader does not wait for this one, and this failure is the one reported.
            ready?.RemoveParticipant();
            throw;
        }
        using var _ = consumer;
        ready?.SignalAndWait(cancel);
        var ended = 0;
        long messages = 0, bytes = 0, last = 0;
        var first = Stopwatch.GetTimestamp();
        void Take(in ConsumedMessage message)
        {
            if (message.IsPartitionEof)
            {
                ended++;
                return;
            }
            if (message.Error != ErrorCode.NoError) throw new KafkaException(message.Error);
            gaps.Observe(partitions[message.Partition], message.Offset);
            messages++;
            bytes += message.Value.Length + message.Key.Length;
            keep?.Add(message.Value);
        }
        while (ended < partitions.Length)
        {
            cancel.ThrowIfCancellationRequested();
            var before = messages;
            if (consumer.ConsumeBatch(TimeSpan.FromSeconds(5), Take) == 0)
                throw new TimeoutException($"no message for 5 s from {topic} with {partitions.Length - ended} partition(s) still unread");
            // A batch is taken in one go, as the job takes it: its messages count as received when the call returns.
            if (messages > before) last = Stopwatch.GetTimestamp();
        }
        return new ReaderTally(messages, bytes, gaps.LostMessages, first, last);
    }

    /// <summary>Message values one after the other in one buffer, as the job's source holds a batch's bytes.</summary>
    public sealed class MessagesInMemory
    {
        private byte[] _bytes = new byte[1 << 20];
        private readonly List<int> _ends = [];

        public int Count => _ends.Count;

        public ReadOnlySpan<byte> this[int index] => _bytes.AsSpan()[(index == 0 ? 0 : _ends[index - 1]).._ends[index]];

        public void Add(ReadOnlySpan<byte> value)
        {
            var start = Count == 0 ? 0 : _ends[^1];
            if (start + value.Length > _bytes.Length) Array.Resize(ref _bytes, Math.Max(2 * _bytes.Length, start + value.Length));
            value.CopyTo(_bytes.AsSpan(start));
            _ends.Add(start + value.Length);
        }
    }

    /// <summary>Every message value of the replay, by topic, read into memory (not timed).</summary>
    public static Dictionary<string, MessagesInMemory> ReadIntoMemory(string bootstrapServers, CancellationToken cancel)
    {
        var config = new KafkaSettings(bootstrapServers).Consumer("raw-consume-bench", "raw-consume-bench-" + Guid.NewGuid());
        var values = new Dictionary<string, MessagesInMemory> { [Topics.Customer] = new(), [Topics.Bureau] = new() };
        foreach (var (topic, keep) in values) ReadWithBatchConsumer(config, topic, keep, ready: null, cancel);
        return values;
    }

    /// <param name="CpuSeconds">The process's CPU time over the decode, all threads.</param>
    public sealed record DecodeRun(long Messages, double Seconds, double CpuSeconds)
    {
        public double Rate => Messages / Seconds;
        public double CpuMicrosPerMessage => 1e6 * CpuSeconds / Messages;
    }

    /// <summary>
    /// The least the job does with a message after reading it: the job's decoder checks it against the contract
    /// and reads it into typed values — every bureau column (each is aggregated), the customer's key and event
    /// time (the job reads more of them) — on all cores, into one row per thread. Nothing is kept.
    /// </summary>
    public static DecodeRun DecodeAll(Dictionary<string, MessagesInMemory> values)
    {
        var schema = TopUpSchema.Default;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        foreach (var (topic, messages) in values)
        {
            var dataset = topic == Topics.Bureau ? schema.Bureau : schema.Customer;
            var decoder = new TypedMessageDecoder(dataset.Columns, schema.EventTimeColumn, castByType: true,
                decodedColumns: topic == Topics.Bureau ? null : new HashSet<int> { dataset.KeyOrdinal });
            Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, messages.Count, 1024), range =>
            {
                var row = new object?[dataset.Columns.Count + 1];
                var invalid = new int[dataset.Columns.Count];
                for (var i = range.Item1; i < range.Item2; i++)
                    if (!decoder.TryDecode(messages[i], row, invalid, out var error))
                        throw new InvalidDataException($"the replay holds a {topic} message the job would reject: {error}");
            });
        }
        var seconds = clock.Elapsed.TotalSeconds;
        return new DecodeRun(values.Values.Sum(v => (long)v.Count), seconds, (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds);
    }
}
