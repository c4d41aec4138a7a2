using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Schema;
using TopUpSpark.Producer;
using TopUpSpark.Producer.DataGeneration;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Job.Tests;

/// <summary>
/// Scheduled runs: the available-now trigger plus the checkpoint make each run process what arrived
/// since the last one. Two runs over data produced in two parts must equal one run over all of it.
/// </summary>
[NonParallelizable]
public class ScheduledRunTests
{
    [Test]
    public async Task Two_available_now_runs_over_two_parts_equal_one_continuous_run()
    {
        var work = RepositoryRoot.NewScratchDirectory("scheduled");
        try
        {
            var modelFile = await JobTestBed.ImportCourseModel(work);
            var data = Path.Combine(work, "data");
            DataGenerator.Generate(new GeneratorOptions { Customers = 500, Seed = 3, OutputDirectory = data });
            var input = TopUpInput.LoadDirectory(data, TopUpSchema.Default);
            using var cluster = EmbeddedKafkaCluster.Start(topics: [Topics.Customer, Topics.Bureau, "scheduled-out", "continuous-out"]);
            var kafka = new KafkaSettings(cluster.BootstrapServers);
            var start = new DateTimeOffset(2026, 11, 25, 6, 0, 0, TimeSpan.Zero);

            TopUpJobOptions Options(string name) => new()
            {
                OutputDirectory = Path.Combine(work, name),
                OutputTopic = name + "-out",
                ModelFile = modelFile,
                Trigger = new Trigger.AvailableNow(),
            };
            Task<JobSummary> Run(string name) => TopUpJob.RunAsync(Options(name), kafka, NullLoggerFactory.Instance, CancellationToken.None);
            Task Produce(DateTimeOffset from, int seed) =>
                new TopUpProducer(input, kafka, new ProducerOptions { Replay = true, ReplayStart = from, MaxBatches = 8, Seed = seed }, logger: NullLogger.Instance).RunAsync();

            await Produce(start, seed: 1);
            var first = await Run("scheduled");
            await Produce(start.AddSeconds(8 * 5), seed: 2);
            var second = await Run("scheduled");
            var continuous = await Run("continuous");

            Assert.That(first.InputRows + second.InputRows, Is.EqualTo(continuous.InputRows), "each run read only what arrived since the last");
            Assert.That(first.InputRows, Is.GreaterThan(0));
            Assert.That(second.InputRows, Is.GreaterThan(0));
            var scheduledRows = ParquetRows.Canonical(Options("scheduled").PredictionsDirectory);
            Assert.That(scheduledRows, Is.Not.Empty);
            Assert.That(scheduledRows, Is.EqualTo(ParquetRows.Canonical(Options("continuous").PredictionsDirectory)));
            Assert.That(ParquetRows.Canonical(Options("scheduled").JoinedDirectory), Is.EqualTo(ParquetRows.Canonical(Options("continuous").JoinedDirectory)));
            var scheduledMessages = JobTestBed.ReadPublished(kafka, "scheduled-out");
            var continuousMessages = JobTestBed.ReadPublished(kafka, "continuous-out");
            Assert.That(scheduledMessages.Keys, Is.EquivalentTo(continuousMessages.Keys));
            foreach (var (key, message) in scheduledMessages)
                Assert.That(message.Counts, Is.EquivalentTo(continuousMessages[key].Counts), key);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
