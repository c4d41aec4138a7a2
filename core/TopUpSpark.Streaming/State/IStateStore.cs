namespace TopUpSpark.Streaming.State;

/// <summary>
/// The state one stateful operator keeps for one task (one partition number of the co-partitioned
/// inputs), as Spark keeps a state store per operator and shuffle partition and Kafka Streams one per
/// processor and task. The store owns how its state is checkpointed: a whole snapshot now and then, the
/// changes since the last write in between, and the rebuild from the two.
/// </summary>
public interface IStateStore
{
    /// <summary>Rows held now, for progress reports.</summary>
    long Rows { get; }

    /// <summary>Writes the whole state.</summary>
    void WriteSnapshot(BinaryWriter writer);

    /// <summary>Writes what changed since the last snapshot or delta.</summary>
    void WriteDelta(BinaryWriter writer);

    /// <summary>Replaces the state with a snapshot (none: empty) and the deltas written after it, oldest first.</summary>
    void Restore(BinaryReader? snapshot, IEnumerable<BinaryReader> deltas);
}
