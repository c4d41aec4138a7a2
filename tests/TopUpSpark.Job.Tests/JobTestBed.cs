using Confluent.Kafka;
using NUnit.Framework;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Messages;
using TopUpSpark.Models.SparkImport;
using TopUpSpark.Scoring.Spark;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Job.Tests;

/// <summary>What the job's tests share: the course model converted once, and reading the published counts back.</summary>
public static class JobTestBed
{
    /// <summary>Converts the course's Spark model from ../shared (read in place) into a model file under <paramref name="directory"/>.</summary>
    public static async Task<string> ImportCourseModel(string directory)
    {
        var imported = await SparkPipelineImporter.ImportAsync(SharedFixtures.SparkTopUpPipelineModel);
        var modelFile = Path.Combine(directory, "course.model");
        SparkPipelineFile.Write(modelFile, imported.Pipeline, SharedFixtures.SparkTopUpPipelineModel, DateTimeOffset.UtcNow);
        return modelFile;
    }

    public static Dictionary<string, StateCountsMessage> ReadPublished(KafkaSettings kafka, string topic)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(kafka.Consumer("e2e-reader", "e2e-" + Guid.NewGuid())).Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var partitions = admin.GetMetadata(topic, Waits.HangBound).Topics.Single().Partitions.Select(p => p.PartitionId).ToList();
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var messages = new Dictionary<string, StateCountsMessage>();
        var finished = new HashSet<int>();
        var deadline = DateTime.UtcNow + Waits.HangBound;
        while (finished.Count < partitions.Count && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null) continue;
            if (result.IsPartitionEOF) { finished.Add(result.Partition.Value); continue; }
            Assert.That(StateCountsMessage.TryDecode(result.Message.Key, result.Message.Value, out var message, out var error), Is.True, error);
            Assert.That(messages.TryAdd(message!.Key, message), Is.True, $"window end {message.Key} was published twice");
        }
        Assert.That(finished, Has.Count.EqualTo(partitions.Count), $"{topic}: partitions read to their end");
        return messages;
    }
}
