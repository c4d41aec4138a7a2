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

    /// <summary>
    /// The per-state counts of each window end on <paramref name="topic"/>, as a reader sees them: the parts
    /// of a window (several batches can add to one) summed, a part repeated by a replayed batch — the same
    /// query, batch, tasks and window — counted once.
    /// </summary>
    public static Dictionary<string, StateCountsMessage> ReadPublished(KafkaSettings kafka, string topic) => ReadPublished(kafka, topic, out _);

    public static Dictionary<string, StateCountsMessage> ReadPublished(KafkaSettings kafka, string topic, out int repeatedParts)
    {
        var counts = new SortedDictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        repeatedParts = 0;
        foreach (var result in ReadTopic(kafka, topic))
        {
            var key = result.Message.Key is null ? null : System.Text.Encoding.UTF8.GetString(result.Message.Key);
            Assert.That(StateCountsMessage.TryDecode(key, result.Message.Value, out var message, out var error), Is.True, error);
            var part = BatchPart.TryRead(result.Message.Headers, out var headerError);
            Assert.That(part, Is.Not.Null, headerError ?? $"{topic}@{result.Offset} carries no batch headers");
            if (!seen.Add($"{part!.QueryId}|{part.BatchId}|{string.Join(',', part.Tasks)}|{key}"))
            {
                repeatedParts++;
                continue;
            }
            var window = counts.TryGetValue(message!.Key, out var existing) ? existing : counts[message.Key] = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (state, count) in message.Counts) window[state] = window.GetValueOrDefault(state) + count;
        }
        return counts.ToDictionary(w => w.Key, w => new StateCountsMessage(
            DateTimeOffset.ParseExact(w.Key, StateCountsMessage.KeyFormat, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal),
            w.Value.Select(c => new StateCount(c.Key, c.Value)).OrderBy(c => c.State, StringComparer.Ordinal).ToList()));
    }

    /// <summary>Every message of <paramref name="topic"/>, in partition then offset order, with key and value as sent.</summary>
    public static List<ConsumeResult<byte[]?, byte[]>> ReadTopic(KafkaSettings kafka, string topic)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(kafka.Consumer("test-reader", "test-" + Guid.NewGuid())).Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var partitions = admin.GetMetadata(topic, Waits.HangBound).Topics.Single().Partitions.Select(p => p.PartitionId).ToList();
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var messages = new List<ConsumeResult<byte[]?, byte[]>>();
        var finished = new HashSet<int>();
        var deadline = DateTime.UtcNow + Waits.HangBound;
        while (finished.Count < partitions.Count)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"{topic} was not read to its end within {Waits.HangBound.TotalSeconds:0} s");
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null) continue;
            if (result.IsPartitionEOF) { finished.Add(result.Partition.Value); continue; }
            messages.Add(result);
        }
        return messages.OrderBy(m => m.Partition.Value).ThenBy(m => m.Offset.Value).ToList();
    }

    /// <summary>Per window end, its per-state counts as one comparable line.</summary>
    public static SortedDictionary<string, string> Totals(Dictionary<string, StateCountsMessage> windows) =>
        new(windows.ToDictionary(w => w.Key, w => string.Join(",", w.Value.Counts.OrderBy(c => c.State, StringComparer.Ordinal).Select(c => $"{c.State}={c.Count}"))), StringComparer.Ordinal);

    /// <summary>The offset after the last message of each partition of <paramref name="topic"/>.</summary>
    public static Dictionary<int, long> HighWatermarks(KafkaSettings kafka, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(kafka.Consumer("watermarks", "w-" + Guid.NewGuid())).Build();
        return Enumerable.Range(0, partitions).ToDictionary(p => p, p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), Waits.HangBound).High.Value);
    }
}
