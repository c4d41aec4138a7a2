using TopUpSpark.Streaming.State;

namespace TopUpSpark.Streaming.Plan;

/// <summary>
/// An operator that keeps state across batches. It holds none itself: each task has a store of its own
/// (<see cref="CreateStore"/>), which the operator reaches through the batch's context, as a Kafka
/// Streams processor reaches its state store.
/// </summary>
public interface IStatefulOperator
{
    /// <summary>A new, empty store for one task; called once column pruning has settled what the operator computes.</summary>
    IStateStore CreateStore();

    /// <summary>
    /// True when running a batch with <paramref name="watermark"/> as the eviction watermark would emit or
    /// evict something from <paramref name="store"/>: the engine then runs a no-data batch at once.
    /// </summary>
    bool HasWorkAt(IStateStore store, DateTimeOffset watermark);
}
