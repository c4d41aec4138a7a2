namespace TopUpSpark.Streaming.Plan;

/// <summary>An operator that keeps state across batches; its state is snapshotted with every commit.</summary>
public interface IStatefulOperator
{
    /// <summary>Rows held in state now.</summary>
    long StateRows { get; }

    /// <summary>
    /// True when running a batch with <paramref name="watermark"/> as the eviction watermark would emit or
    /// evict something: the engine then runs a no-data batch at once.
    /// </summary>
    bool HasWorkAt(DateTimeOffset watermark);

    /// <summary>Writes the whole state (a snapshot).</summary>
    void SaveState(BinaryWriter writer);

    /// <summary>Writes what changed since the last <see cref="SaveState"/> or <see cref="SaveChanges"/> (a delta).</summary>
    void SaveChanges(BinaryWriter writer);

    /// <summary>Replaces the state with a snapshot, or empties it when <paramref name="reader"/> is null.</summary>
    void RestoreState(BinaryReader? reader);

    /// <summary>Applies a delta written by <see cref="SaveChanges"/> on top of the state it was written after.</summary>
    void ApplyChanges(BinaryReader reader);
}
