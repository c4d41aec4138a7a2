using Confluent.Kafka;

namespace TopUpSpark.Core.Kafka;

/// <summary>
/// Messages that should have been read are gone: offsets jumped forward (retention, or the mock broker's
/// cap dropped them) or went back (the topic was re-created, or the broker replaced by one that starts
/// again at 0). <see cref="MissingMessages"/> is how many messages the reader will never see.
/// </summary>
public sealed class DataLossException(string message, TopicPartition partition, long expectedOffset, long actualOffset, long missingMessages)
    : Exception(message)
{
    public TopicPartition Partition { get; } = partition;
    public long ExpectedOffset { get; } = expectedOffset;
    public long ActualOffset { get; } = actualOffset;
    public long MissingMessages { get; } = missingMessages;
    public bool OffsetsWentBack => ActualOffset < ExpectedOffset;

    /// <summary>The next offset to read was <paramref name="expected"/> but the broker's next is the later <paramref name="actual"/>.</summary>
    public static DataLossException Skipped(TopicPartition partition, long expected, long actual) => new(
        $"data loss on {Name(partition)}: expected offset {expected} but the broker's next is {actual}; " +
        $"{actual - expected} message(s) were dropped before they were read (retention, or the embedded broker's 5 MiB/100,000-message cap per partition)",
        partition, expected, actual, actual - expected);

    /// <summary>
    /// The reader stood at <paramref name="expected"/>, but the broker's offsets for the partition now end
    /// at the earlier <paramref name="actual"/> (Spark: "Partition X's offset was changed from Y to Z").
    /// </summary>
    public static DataLossException WentBack(TopicPartition partition, long expected, long actual, long skipped, string? consequence = null) => new(
        $"data loss on {Name(partition)}: its offset was changed from {expected} to {actual}, some data may have been missed " +
        $"(the broker's offsets went back: was the topic re-created, or the broker replaced?){(consequence is null ? "" : "; " + consequence)}",
        partition, expected, actual, skipped);

    /// <summary>The same loss, with what the reader can do about it added to the message.</summary>
    public DataLossException WithAdvice(string advice) => new($"{Message}. {advice}", Partition, ExpectedOffset, ActualOffset, MissingMessages);

    private static string Name(TopicPartition partition) => $"{partition.Topic}[{partition.Partition.Value}]";
}

/// <summary>
/// Tracks the next offset expected per partition and notices when the broker hands out another one:
/// a later offset means messages were dropped (the embedded broker keeps only 5 MiB or 100,000 message
/// sets per partition), an earlier one that the partition's log was replaced. Like Spark's Kafka
/// source option <c>failOnDataLoss</c>: throw by default, or count and report.
/// </summary>
/// <param name="failureAdvice">Added to the message of a loss that fails, e.g. how to tolerate it instead.</param>
public sealed class OffsetGapDetector(bool failOnDataLoss = true, string? failureAdvice = null)
{
    private readonly Dictionary<TopicPartition, long> _expected = new();
    private readonly HashSet<(TopicPartition, long, long)> _reported = [];

    public bool FailOnDataLoss { get; } = failOnDataLoss;

    /// <summary>Messages known to be lost so far (only grows when not failing on data loss).</summary>
    public long LostMessages { get; private set; }

    /// <summary>Called for every loss when not failing on data loss.</summary>
    public event Action<DataLossException>? DataLost;

    /// <summary>Declares where reading starts (the checkpointed offset, or the first offset of an assignment).</summary>
    public void Expect(TopicPartition partition, long nextOffset) => _expected[partition] = nextOffset;

    public bool TryGetExpected(TopicPartition partition, out long nextOffset) => _expected.TryGetValue(partition, out nextOffset);

    /// <summary>
    /// Checks a consumed offset against the expectation and moves the expectation past it. Returns false
    /// when the offset went back (the message is not the one expected, and must not be used as it).
    /// </summary>
    public bool Observe(TopicPartition partition, long offset)
    {
        if (_expected.TryGetValue(partition, out var expected))
        {
            if (offset > expected) Report(DataLossException.Skipped(partition, expected, offset));
            if (offset < expected)
            {
                Report(DataLossException.WentBack(partition, expected, offset, skipped: 0));
                return false;
            }
        }
        _expected[partition] = offset + 1;
        return true;
    }

    /// <summary>Fails with <paramref name="loss"/>, or counts and reports it (once, however often it is found).</summary>
    public void Report(DataLossException loss)
    {
        if (FailOnDataLoss) throw failureAdvice is null ? loss : loss.WithAdvice(failureAdvice);
        if (!_reported.Add((loss.Partition, loss.ExpectedOffset, loss.ActualOffset))) return;
        LostMessages += loss.MissingMessages;
        DataLost?.Invoke(loss);
    }
}
