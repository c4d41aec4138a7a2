using System.Text;
using NUnit.Framework;
using TopUpSpark.Core;
using TopUpSpark.Core.Messages;
using TopUpSpark.Job.Tests;

namespace TopUpSpark.Analytics.Tests;

/// <summary>topup-sql kafka topics | tail | count print what the pipeline produced: keys, headers, partitions and offsets.</summary>
[NonParallelizable]
public class InspectorTests
{
    private static JobOutputs Outputs => Pipeline.Outputs;

    private static Task<SqlRun.Result> Inspect(params string[] args) =>
        SqlRun.RunAsync(["kafka", .. args, "--bootstrap-servers", Outputs.Kafka.BootstrapServers]);

    [Test]
    public async Task Tail_prints_every_dead_letter_with_key_reason_origin_partition_and_offset()
    {
        var letters = JobTestBed.ReadTopic(Outputs.Kafka, Topics.DeadLetter(Topics.Customer));
        var result = await Inspect("tail", Topics.DeadLetter(Topics.Customer), "--from-beginning");
        Assert.That(result.Exit, Is.EqualTo(0), result.Errors);
        foreach (var letter in letters)
        {
            var reason = Encoding.UTF8.GetString(letter.Message.Headers.GetLastBytes(DeadLetterHeaders.Reason));
            var origin = Encoding.UTF8.GetString(letter.Message.Headers.GetLastBytes(DeadLetterHeaders.SourceOffset));
            var printed = $"{letter.Topic} [{letter.Partition.Value}] @{letter.Offset.Value}  ";
            Assert.That(result.Output, Does.Contain(printed));
            var block = result.Output[result.Output.IndexOf(printed, StringComparison.Ordinal)..].Split("  value: ")[0];
            Assert.That(block, Does.Contain($"  key: {JobOutputs.Utf8(letter.Message.Key)}\n"));
            Assert.That(block, Does.Contain($"    {DeadLetterHeaders.Reason}: {Printable.Text(reason, 1000)}\n"));
            Assert.That(block, Does.Contain($"    {DeadLetterHeaders.SourceOffset}: {origin}\n"));
            Assert.That(block, Does.Contain($"    {BatchPart.BatchIdHeader}: "));
        }
        Assert.That(result.Output, Does.Contain($"({letters.Count} of {letters.Count} messages in"));
    }

    [Test]
    public async Task Tail_prints_the_last_messages_of_each_partition_by_default_and_the_first_with_from_beginning()
    {
        var messages = JobTestBed.ReadTopic(Outputs.Kafka, Topics.Customer);
        var last = await Inspect("tail", Topics.Customer, "--limit", "2");
        var first = await Inspect("tail", Topics.Customer, "--from-beginning", "--limit", "2");
        Assert.That(last.Exit, Is.EqualTo(0), last.Errors);
        Assert.That(first.Exit, Is.EqualTo(0), first.Errors);
        foreach (var partition in messages.GroupBy(m => m.Partition.Value))
        {
            var ordered = partition.OrderBy(m => m.Offset.Value).ToList();
            Assert.That(Offsets(last.Output, partition.Key), Is.EqualTo(ordered.TakeLast(2).Select(m => m.Offset.Value)));
            Assert.That(Offsets(first.Output, partition.Key), Is.EqualTo(ordered.Take(2).Select(m => m.Offset.Value)));
            var lastMessage = ordered[^1];
            Assert.That(last.Output, Does.Contain($"{Topics.Customer} [{partition.Key}] @{lastMessage.Offset.Value}  ")
                .And.Contain($"  key: {JobOutputs.Utf8(lastMessage.Message.Key)}\n"));
        }
    }

    [Test]
    public async Task Count_and_topics_give_the_messages_produced()
    {
        var produced = JobTestBed.ReadTopic(Outputs.Kafka, Topics.Customer);
        var count = await Inspect("count", Topics.Customer);
        Assert.That(count.Exit, Is.EqualTo(0), count.Errors);
        var lines = count.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "total", produced.Count.ToString() }));
        foreach (var partition in produced.GroupBy(m => m.Partition.Value))
            Assert.That(lines, Has.Some.Matches<string>(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var p, _, _, var n]
                && p == partition.Key.ToString() && n == partition.Count().ToString()));

        var topics = await Inspect("topics");
        Assert.That(topics.Exit, Is.EqualTo(0), topics.Errors);
        Assert.That(topics.Output.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)),
            Has.Some.EqualTo(new[] { Topics.Customer, JobOutputs.Partitions.ToString(), produced.Count.ToString() }));
    }

    [Test]
    public async Task A_topic_that_does_not_exist_is_named_with_the_topics_there()
    {
        var result = await Inspect("tail", "no-such-topic");
        Assert.That(result.Exit, Is.EqualTo(1));
        Assert.That(result.Errors, Does.Contain("topic 'no-such-topic' does not exist").And.Contain(Topics.Customer));
    }

    /// <summary>The offsets printed for <paramref name="partition"/>, in order.</summary>
    private static List<long> Offsets(string output, int partition) =>
        output.Split('\n').Where(l => l.StartsWith($"{Topics.Customer} [{partition}] @", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split('@')[1].Split(' ')[0])).ToList();
}
