namespace TopUpSpark.Streaming.Execution;

/// <summary>
/// Every row a batch made, but the few its stateful operators keep, is garbage once it commits. The
/// young generations collected right then hold almost nothing alive, and the collection is short.
/// Left to itself, the GC collects in the middle of a batch and copies the rows still in use into
/// older generations, where they pile up until a full collection. Measured on full replays against
/// no such collection: about 13 % faster, a quarter less GC pause, 40 MiB less peak memory. Gen1 is
/// collected too, so the kept state moves on to gen2 instead of piling up in gen1 until the GC grows
/// it: 19 MiB less peak RSS than gen0 alone (271–276 against 290–292 MiB in four interleaved pairs of
/// full replays), for some 180 ms more of these collections in a replay, which the batches' total
/// time did not show (3.5–4.2 s either way). The threshold is below one batch's allocations (a full
/// replay's batches allocate 20–45 MB each), so that no batch's garbage waits for the next one's: 268–270
/// against 277–288 MiB peak RSS in three interleaved pairs of full replays, for about 150 ms more of
/// these collections (batches 0–7 % longer in total).
/// </summary>
internal sealed class BatchGarbage
{
    /// <summary>Once batches have allocated this much since the last such collection, the one that just committed collects its garbage.</summary>
    private const long CollectAfterAllocatedBytes = 16 * 1024 * 1024;

    private long _allocatedAtLastCollection;

    /// <summary>
    /// Collects everything the start left behind (the model's loading, code compiled ahead, connections) once,
    /// compacting, before the first batch: otherwise the first batch pays for that collection, and its
    /// survivors are copied generation by generation in the batches after.
    /// </summary>
    public void CollectStartGarbage()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        _allocatedAtLastCollection = GC.GetTotalAllocatedBytes();
    }

    /// <summary>Collects the young generations if enough was allocated since the last time; says whether it did.</summary>
    public bool CollectIfDue()
    {
        if (GC.GetTotalAllocatedBytes() - _allocatedAtLastCollection < CollectAfterAllocatedBytes) return false;
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        _allocatedAtLastCollection = GC.GetTotalAllocatedBytes();
        return true;
    }
}
