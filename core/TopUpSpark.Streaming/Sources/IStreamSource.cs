namespace TopUpSpark.Streaming.Sources;

/// <summary>A replayable source of records addressed by per-partition offsets (Kafka, or memory in tests).</summary>
public interface IStreamSource : IDisposable
{
    /// <summary>Human description, e.g. <c>KafkaV2[Subscribe[customer]]</c>.</summary>
    string Description { get; }

    /// <summary>The source's partition numbers now.</summary>
    IReadOnlyList<int> Partitions();

    /// <summary>Where a task with no checkpoint starts, for each of <paramref name="partitions"/>.</summary>
    SourceOffsets InitialOffsets(IReadOnlyCollection<int> partitions);

    /// <summary>The offsets after the last record of each of <paramref name="partitions"/> now (an available-now run's fixed end).</summary>
    SourceOffsets EndOffsets(IReadOnlyCollection<int> partitions);

    /// <summary>
    /// For the partitions of <paramref name="from"/>: the newest offsets available now — or those of
    /// <paramref name="upTo"/>, the fixed end of an available-now run — at most <paramref name="maxRecords"/>
    /// records past <paramref name="from"/>, shared out between partitions in proportion to what each has left.
    /// </summary>
    SourceOffsets LatestOffsets(SourceOffsets from, long? maxRecords, SourceOffsets? upTo = null);

    /// <summary>Exactly the records in [from, to) per partition, ordered by partition then offset; the caller disposes them.</summary>
    SourceRecords Read(SourceOffsets from, SourceOffsets to, CancellationToken cancel);

    /// <summary>Starts fetching from <paramref name="from"/> before the first batch asks, so that batch does not pay for connecting.</summary>
    void Prepare(SourceOffsets from);

    /// <summary>
    /// The id of the Kafka cluster whose offsets these are, or null for a source without one. A checkpoint
    /// written against another cluster is refused.
    /// </summary>
    string? ClusterId() => null;

    /// <summary>Messages known lost so far (data loss reported, not failed on).</summary>
    long LostRecords { get; }
}
