using Confluent.Kafka;

namespace TopUpSpark.Core.Kafka;

/// <summary>Messages that should have been read were gone (retention, or the mock broker's cap).</summary>
public sealed class DataLossException(string message, TopicPartition partition, long expectedOffset, long actualOffset)
    : Exception(message)
{
    public TopicPartition Partition { get; } = partition;
    public long ExpectedOffset { get; } = expectedOffset;
    public long ActualOffset { get; } = actualOffset;
    public long MissingMessages => ActualOffset - ExpectedOffset;
}

/// <summary>
/// Tracks the next offset expected per partition and notices when the broker hands out a later one:
/// the messages in between were dropped (the embedded broker keeps only 5 MiB or 100,000 message
/// sets per partition). Like Spark's Kafka source option <c>failOnDataLoss</c>: throw by default,
/// or count and report.
/// </summary>
public sealed class OffsetGapDetector(bool failOnDataLoss = true)
{
    private readonly Dictionary<TopicPartition, long> _expected = new();

    public bool FailOnDataLoss { get; } = failOnDataLoss;

    /// <summary>Messages known to be lost so far (only grows when not failing on data loss).</summary>
    public long LostMessages { get; private set; }

    /// <summary>Called for every gap when not failing on data loss.</summary>
    public event Action<DataLossException>? DataLost;

    /// <summary>Declares where reading starts (the checkpointed offset, or the first offset of an assignment).</summary>
    public void Expect(TopicPartition partition, long nextOffset) => _expected[partition] = nextOffset;

    public bool TryGetExpected(TopicPartition partition, out long nextOffset) => _expected.TryGetValue(partition, out nextOffset);

    /// <summary>Checks a consumed offset against the expectation and moves the expectation past it.</summary>
    public void Observe(TopicPartition partition, long offset)
    {
        if (_expected.TryGetValue(partition, out var expected) && offset > expected)
        {
            var loss = new DataLossException(
                $"data loss on {partition.Topic}[{partition.Partition.Value}]: expected offset {expected} but the broker's next is {offset}; " +
                $"{offset - expected} message(s) were dropped before they were read (retention, or the embedded broker's 5 MiB/100,000-message cap per partition)",
                partition, expected, offset);
            if (FailOnDataLoss) throw loss;
            LostMessages += loss.MissingMessages;
            DataLost?.Invoke(loss);
        }
        _expected[partition] = offset + 1;
    }
}
