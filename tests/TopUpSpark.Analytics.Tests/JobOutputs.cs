using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Schema;
using TopUpSpark.Job;
using TopUpSpark.Producer;
using TopUpSpark.Producer.DataGeneration;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Analytics.Tests;

/// <summary>
/// What the tests query, made once by the real pipeline on the embedded broker (librdkafka's mock cluster):
/// the producer replays generated data, a few input messages are malformed on purpose, and the job runs over it
/// twice — once as one instance (<see cref="One"/>), once as two instances sharing one output folder, each with
/// half the tasks (<see cref="Split"/>).
/// </summary>
public sealed class JobOutputs : IDisposable
{
    public const int Partitions = 4;
    public const string OneTopic = "one-out";
    public const string SplitTopic = "split-out";

    /// <summary>Customer messages the job must dead-letter: keys and values that are not the input contract.</summary>
    public static readonly IReadOnlyList<(string Key, string Value)> BadCustomers =
    [
        ("bad-json-1", "{not json"),
        ("bad-json-2", "[1, 2, 3]"),
        ("bad-ts-3", """{"ID":"bad-ts-3","ts":"yesterday"}"""),
    ];

    private readonly EmbeddedKafkaCluster _cluster;

    private JobOutputs(string work, EmbeddedKafkaCluster cluster, TopUpJobOptions one, TopUpJobOptions split)
    {
        Work = work;
        _cluster = cluster;
        One = one;
        Split = split;
        Kafka = new KafkaSettings(cluster.BootstrapServers);
    }

    public string Work { get; }
    public KafkaSettings Kafka { get; }
    public TopUpJobOptions One { get; }
    public TopUpJobOptions Split { get; }

    /// <summary>The offsets (partition, offset) of <see cref="BadCustomers"/> on the customer topic.</summary>
    public List<(int Partition, long Offset, string Key)> BadCustomerOffsets { get; } = [];

    public static async Task<JobOutputs> CreateAsync()
    {
        var work = RepositoryRoot.NewScratchDirectory("analytics");
        var cluster = EmbeddedKafkaCluster.Start(topics: [Topics.Customer, Topics.Bureau, OneTopic, SplitTopic], partitions: Partitions);
        try
        {
            var modelFile = await Job.Tests.JobTestBed.ImportCourseModel(work);
            var data = Path.Combine(work, "data");
            DataGenerator.Generate(new GeneratorOptions { Customers = 600, Seed = 18, OutputDirectory = data });
            TopUpJobOptions Options(string name, string topic) => new()
            {
                OutputDirectory = Path.Combine(work, name),
                OutputTopic = topic,
                ModelFile = modelFile,
                Trigger = new Trigger.AvailableNow(),
                FlushAtEnd = true,
            };
            var outputs = new JobOutputs(work, cluster, Options("one", OneTopic), Options("split", SplitTopic));
            var input = TopUpInput.LoadDirectory(data, TopUpSchema.Default);
            var start = new DateTimeOffset(2026, 11, 25, 6, 0, 0, TimeSpan.Zero);
            await new TopUpProducer(input, outputs.Kafka, new ProducerOptions { Replay = true, ReplayStart = start, MaxBatches = 12, Seed = 7 },
                logger: NullLogger.Instance).RunAsync();
            await outputs.ProduceBadCustomers();

            var one = await TopUpJob.RunAsync(outputs.One, outputs.Kafka, NullLoggerFactory.Instance, CancellationToken.None);
            Assert.That(one.Failed, Is.False, one.Error);
            var halves = await Task.WhenAll(
                Task.Run(() => TopUpJob.RunAsync(outputs.Split with { Tasks = [0, 1], Instance = "first-half" }, outputs.Kafka, NullLoggerFactory.Instance, CancellationToken.None)),
                Task.Run(() => TopUpJob.RunAsync(outputs.Split with { Tasks = [2, 3], Instance = "second-half" }, outputs.Kafka, NullLoggerFactory.Instance, CancellationToken.None)));
            foreach (var half in halves) Assert.That(half.Failed, Is.False, half.Error);
            return outputs;
        }
        catch
        {
            cluster.Dispose();
            Directory.Delete(work, recursive: true);
            throw;
        }
    }

    private async Task ProduceBadCustomers()
    {
        using var producer = new ProducerBuilder<string, string>(Kafka.Producer("bad-customers")).Build();
        foreach (var (key, value) in BadCustomers)
        {
            var delivered = await producer.ProduceAsync(Topics.Customer, new Message<string, string> { Key = key, Value = value });
            BadCustomerOffsets.Add((delivered.Partition.Value, delivered.Offset.Value, key));
        }
    }

    /// <summary>Sends a copy of a message to <paramref name="topic"/>, key, headers and all, as a replayed batch would send it again.</summary>
    public void Repeat(ConsumeResult<byte[]?, byte[]> message, string topic)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]>(Kafka.Producer("repeater")).Build();
        producer.Produce(new TopicPartition(topic, message.Partition),
            new Message<byte[]?, byte[]> { Key = message.Message.Key, Value = message.Message.Value, Headers = message.Message.Headers });
        producer.Flush(Waits.HangBound);
    }

    public static string Utf8(byte[]? bytes) => bytes is null ? "" : Encoding.UTF8.GetString(bytes);

    public void Dispose()
    {
        _cluster.Dispose();
        Directory.Delete(Work, recursive: true);
    }
}
