using System.Globalization;
using System.Text;
using NUnit.Framework;
using TopUpSpark.Core;
using TopUpSpark.Core.Messages;
using TopUpSpark.Job.Tests;

namespace TopUpSpark.Analytics.Tests;

/// <summary>
/// The views topup_by_state and dead_letters, read from the embedded broker the job published to: the same
/// totals as a reader that counts each batch part once, each dead letter once, and repeats left out.
/// </summary>
[NonParallelizable]
public class KafkaViewTests
{
    private static JobOutputs Outputs => Pipeline.Outputs;

    private static string[] Kafka(params string[] args) =>
        ["--bootstrap-servers", Outputs.Kafka.BootstrapServers, "--out", Outputs.One.OutputDirectory, .. args];

    private static async Task<SortedDictionary<string, string>> ViewTotals(string topic)
    {
        var rows = await SqlRun.CsvRowsAsync(Kafka("--output-topic", topic,
            "SELECT strftime(window_end, '%Y-%m-%d %H:%M:%S') AS window_end, state, sum(count) FROM topup_by_state GROUP BY ALL ORDER BY ALL"));
        return new SortedDictionary<string, string>(rows.GroupBy(r => r[0]).ToDictionary(
            g => g.Key, g => string.Join(",", g.OrderBy(r => r[1], StringComparer.Ordinal).Select(r => $"{r[1]}={r[2]}"))), StringComparer.Ordinal);
    }

    [Test]
    public async Task Topup_by_state_gives_the_published_totals_of_one_and_of_two_instances()
    {
        var published = JobTestBed.Totals(JobTestBed.ReadPublished(Outputs.Kafka, JobOutputs.OneTopic));
        Assert.That(published, Is.Not.Empty);
        Assert.That(await ViewTotals(JobOutputs.OneTopic), Is.EqualTo(published));
        Assert.That(await ViewTotals(JobOutputs.SplitTopic), Is.EqualTo(published), "two instances publish parts that add up to one instance's counts");

        // The per-state counts are those of the predictions, window by window.
        var predicted = await SqlRun.ScalarAsync(Kafka("SELECT count(*) FROM predictions WHERE prediction = 1"));
        Assert.That(await SqlRun.ScalarAsync(Kafka("--output-topic", JobOutputs.OneTopic, "SELECT sum(count) FROM topup_by_state")), Is.EqualTo(predicted));
    }

    [Test]
    public async Task A_batch_part_published_again_counts_once()
    {
        var topic = "repeated-out";
        var original = JobTestBed.ReadTopic(Outputs.Kafka, JobOutputs.SplitTopic);
        // A copy of the split run's topic, then its first message again, as a batch replayed after a crash publishes it.
        foreach (var message in original.Append(original[0])) Outputs.Repeat(message, topic);
        Assert.That(JobTestBed.ReadTopic(Outputs.Kafka, topic), Has.Count.EqualTo(original.Count + 1));

        JobTestBed.ReadPublished(Outputs.Kafka, topic, out var repeatedParts);
        Assert.That(repeatedParts, Is.EqualTo(1));
        Assert.That(await ViewTotals(topic), Is.EqualTo(JobTestBed.Totals(JobTestBed.ReadPublished(Outputs.Kafka, JobOutputs.SplitTopic))));
        var first = BatchPart.TryRead(original[0].Message.Headers, out _)!;
        Assert.That(await SqlRun.ScalarAsync(Kafka("--output-topic", topic,
                $"SELECT count(DISTINCT kafka_offset) FROM topup_by_state WHERE batch_id = {first.BatchId} AND query_id = '{first.QueryId:D}' AND tasks = '{string.Join(',', first.Tasks)}' AND kafka_partition = {original[0].Partition.Value}")),
            Is.EqualTo("1"), "the repeat's rows are left out");
    }

    [Test]
    public async Task Dead_letters_hold_each_rejected_message_once_with_its_reason_and_origin()
    {
        var letters = JobTestBed.ReadTopic(Outputs.Kafka, Topics.DeadLetter(Topics.Customer));
        Assert.That(letters, Has.Count.EqualTo(2 * JobOutputs.BadCustomers.Count), "each of the two runs sent a letter for each bad message");

        var rows = await SqlRun.CsvRowsAsync(Kafka("SELECT key, source_topic, source_partition, source_offset, reason IS NOT NULL AND reason <> '' FROM dead_letters ORDER BY key"));
        var expected = Outputs.BadCustomerOffsets.OrderBy(b => b.Key, StringComparer.Ordinal)
            .Select(b => $"{b.Key},{Topics.Customer},{b.Partition},{b.Offset},true").ToList();
        Assert.That(rows.Select(r => string.Join(",", r)), Is.EqualTo(expected));

        var reasons = letters.Select(l => Encoding.UTF8.GetString(l.Message.Headers.GetLastBytes(DeadLetterHeaders.Reason))).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.That(await SqlRun.ScalarAsync(Kafka("SELECT count(DISTINCT reason) FROM dead_letters")), Is.EqualTo(reasons.Count.ToString(CultureInfo.InvariantCulture)));
    }
}
