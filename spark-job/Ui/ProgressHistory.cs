using TopUpSpark.Streaming.Progress;
using TopUpSpark.Web;

namespace TopUpSpark.Job.Ui;

/// <summary>The last batches' progress, oldest first, as of one <see cref="Version"/>.</summary>
public sealed record ProgressSnapshot(long Version, IReadOnlyList<QueryProgress> Batches, int Capacity);

/// <summary>
/// The progress of the last <see cref="Capacity"/> batches, for the streaming UI. The batch loop only adds a
/// reference and publishes an immutable snapshot (microseconds); the UI's JSON and figures are built from
/// snapshots on the server's threads, when a browser asks.
/// </summary>
public sealed class ProgressHistory
{
    public const int DefaultCapacity = 120;

    private readonly Lock _gate = new();
    private readonly Queue<QueryProgress> _batches = new();
    private readonly SnapshotFeed<ProgressSnapshot> _feed;
    private long _version;

    public ProgressHistory(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _feed = new SnapshotFeed<ProgressSnapshot>(new ProgressSnapshot(0, [], capacity), snapshot => snapshot.Version);
    }

    public int Capacity { get; }

    public ProgressSnapshot Current => _feed.Current;

    public void Add(QueryProgress progress)
    {
        lock (_gate)
        {
            _batches.Enqueue(progress);
            if (_batches.Count > Capacity) _batches.Dequeue();
            _feed.Publish(new ProgressSnapshot(++_version, _batches.ToArray(), Capacity));
        }
    }

    /// <inheritdoc cref="SnapshotFeed{T}.NextAsync"/>
    public Task<ProgressSnapshot?> NextAsync(long seenVersion, TimeSpan? maxWait, CancellationToken cancel) => _feed.NextAsync(seenVersion, maxWait, cancel);
}
