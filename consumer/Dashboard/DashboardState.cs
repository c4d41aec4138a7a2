using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using TopUpSpark.Consumer.Kafka;
using TopUpSpark.Core.Messages;
using TopUpSpark.Web;
using TopUpSpark.Web.Figures;

namespace TopUpSpark.Consumer.Dashboard;

/// <summary>What became of a window's message.</summary>
public enum WindowOutcome
{
    /// <summary>A later window end than the map showed: the map now shows this window.</summary>
    Newest,
    /// <summary>Another message for the window the map shows: its counts were added.</summary>
    Merged,
    /// <summary>An earlier window end than the map shows: abandoned for the map, kept in the history chart.</summary>
    Late,
}

/// <summary>
/// The dashboard's live state: the newest window's counts, the totals of the last windows and the
/// consumer's status. Thread-safe; every change publishes a new immutable <see cref="DashboardSnapshot"/>
/// and wakes whoever waits in <see cref="NextAsync"/>.
/// </summary>
public sealed class DashboardState : IReaderStatus
{
    /// <summary>How many recent rejections and data-loss gaps are kept for the page.</summary>
    public const int RecentLimit = 10;

    private readonly Lock _gate = new();
    private readonly SortedDictionary<DateTimeOffset, WindowCounts> _history = new();
    private readonly int _historyCapacity;
    private WindowCounts? _window;
    private ConsumerStatus _status;
    private long _version, _dataVersion, _windowVersion;
    // The last batch each query's set of tasks reported, by which a repeated batch is known; a group that shares the tasks out anew starts new sets.
    private readonly Dictionary<(Guid Query, string Tasks), long> _lastHealthBatch = [];
    private readonly HashSet<string> _jobInstances = new(StringComparer.Ordinal);
    private readonly SnapshotFeed<DashboardSnapshot> _feed;

    public DashboardState(string topic, string bootstrapServers, string groupId, int historyCapacity, DateTimeOffset startedAt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(historyCapacity, 1);
        _historyCapacity = historyCapacity;
        _status = new ConsumerStatus(ReaderConnection.Starting(topic, bootstrapServers, groupId, startedAt), LastMessageAt: null, MessagesAccepted: 0, MessagesRejected: 0, RecentRejections: [],
            LateWindows: 0, RepeatedPartsIgnored: 0, LostMessages: 0, RecentGaps: [], JobHealth.None);
        _feed = new SnapshotFeed<DashboardSnapshot>(Build(), snapshot => snapshot.Version);
    }

    public DashboardSnapshot Current => _feed.Current;

    /// <summary>
    /// Takes a decoded window: the newest end replaces the map's window, the same end adds to it, an older
    /// one is late. Refuses it, changing nothing, when the window's total on the map or in the history
    /// would pass <see cref="CountLimit.Max"/>; <paramref name="error"/> says so.
    /// </summary>
    public bool TryApplyWindow(WindowCounts counts, DateTimeOffset receivedAt, out WindowOutcome outcome, [NotNullWhen(false)] out string? error)
    {
        lock (_gate)
        {
            outcome = _window is null || counts.WindowEnd > _window.WindowEnd ? WindowOutcome.Newest
                : counts.WindowEnd == _window.WindowEnd ? WindowOutcome.Merged
                : WindowOutcome.Late;
            var shown = outcome switch
            {
                WindowOutcome.Newest => counts,
                WindowOutcome.Merged => _window!.Merge(counts),
                _ => _window!,
            };
            var inHistory = _history.TryGetValue(counts.WindowEnd, out var earlier) ? earlier.Merge(counts) : counts;
            var key = StateCountsMessage.FormatKey(counts.WindowEnd);
            error = outcome != WindowOutcome.Late && shown.Total > CountLimit.Max ? CountLimit.Beyond($"the total of window {key} on the map would be", shown.Total)
                : inHistory.Total > CountLimit.Max ? CountLimit.Beyond($"the total of window {key} in the history would be", inHistory.Total)
                : null;
            if (error is not null) return false;

            if (outcome != WindowOutcome.Late)
            {
                _window = shown;
                _windowVersion++;
            }
            SetHistory(inHistory);
            _status = _status with
            {
                LastMessageAt = receivedAt,
                MessagesAccepted = _status.MessagesAccepted + 1,
                LateWindows = _status.LateWindows + (outcome == WindowOutcome.Late ? 1 : 0),
            };
            _dataVersion++;
            Publish();
            return true;
        }
    }

    public void Reject(RejectedMessage rejection) => UpdateData(s => s with
    {
        LastMessageAt = rejection.At,
        MessagesRejected = s.MessagesRejected + 1,
        RecentRejections = Recent(rejection, s.RecentRejections),
    });

    /// <summary>Counts a message that repeats a batch part already applied; the map and the history stay as they were.</summary>
    public void IgnoreRepeat(DateTimeOffset receivedAt) => UpdateData(s => s with
    {
        LastMessageAt = receivedAt,
        RepeatedPartsIgnored = s.RepeatedPartsIgnored + 1,
    });

    /// <summary>
    /// Adds a job batch's health. A batch a query's same tasks already reported (replayed after a crash, or
    /// reported again) is ignored and counted as a repeat; false then.
    /// </summary>
    public bool ApplyBatchHealth(BatchHealthMessage batch, DateTimeOffset receivedAt)
    {
        lock (_gate)
        {
            var tasks = (batch.QueryId, string.Join(',', batch.Tasks));
            if (_lastHealthBatch.TryGetValue(tasks, out var last) && batch.BatchId <= last)
            {
                UpdateData(s => s with { LastMessageAt = receivedAt, RepeatedPartsIgnored = s.RepeatedPartsIgnored + 1 });
                return false;
            }
            _lastHealthBatch[tasks] = batch.BatchId;
            _jobInstances.Add(batch.Instance);
            UpdateData(s => s with
            {
                LastMessageAt = receivedAt,
                Job = new JobHealth(s.Job.Batches + 1, s.Job.InputRows + batch.InputRows, s.Job.LateRowsDropped + batch.LateRowsDropped,
                    s.Job.DeadLetters + batch.DeadLetters, s.Job.InvalidValues + batch.InvalidValues, s.Job.LostRecords + batch.LostRecords,
                    _jobInstances.Count, batch.Timestamp),
            });
            return true;
        }
    }

    public void RecordGap(OffsetGap gap) => UpdateData(s => s with
    {
        LostMessages = s.LostMessages + gap.Missing,
        RecentGaps = Recent(gap, s.RecentGaps),
    });

    public void SetConnection(bool connected) => UpdateStatus(s => s with { Connection = s.Connection with { Connected = connected } });

    public void SetPartitions(int assigned, int positioned) =>
        UpdateStatus(s => s with { Connection = s.Connection with { AssignedPartitions = assigned, PositionedPartitions = positioned } });

    public void SetLag(long? lag) => UpdateStatus(s => s with { Connection = s.Connection with { Lag = lag } });

    /// <summary>
    /// Every snapshot whose data (not just the consumer's status) changed, starting with the current one;
    /// ends when cancelled. For outputs that show only the data: the terminal table and the HTML snapshot.
    /// </summary>
    public async IAsyncEnumerable<DashboardSnapshot> DataChangesAsync([EnumeratorCancellation] CancellationToken cancel)
    {
        var seen = long.MinValue;
        var delivered = long.MinValue;
        while (await NextAsync(seen, null, cancel) is { } snapshot)
        {
            seen = snapshot.Version;
            if (snapshot.DataVersion == delivered) continue;
            delivered = snapshot.DataVersion;
            yield return snapshot;
        }
    }

    /// <summary>
    /// The current snapshot as soon as its <see cref="DashboardSnapshot.Version"/> differs from
    /// <paramref name="seenVersion"/>; after <paramref name="maxWait"/> the current one regardless; null once cancelled.
    /// </summary>
    public Task<DashboardSnapshot?> NextAsync(long seenVersion, TimeSpan? maxWait, CancellationToken cancel) =>
        _feed.NextAsync(seenVersion, maxWait, cancel);

    private void UpdateStatus(Func<ConsumerStatus, ConsumerStatus> change)
    {
        lock (_gate)
        {
            var updated = change(_status);
            if (updated == _status) return;
            _status = updated;
            Publish();
        }
    }

    /// <summary>A change the outputs that show only the data (terminal table, HTML snapshot) must show too.</summary>
    private void UpdateData(Func<ConsumerStatus, ConsumerStatus> change)
    {
        lock (_gate)
        {
            _status = change(_status);
            _dataVersion++;
            Publish();
        }
    }

    private void SetHistory(WindowCounts window)
    {
        _history[window.WindowEnd] = window;
        while (_history.Count > _historyCapacity)
            _history.Remove(_history.Keys.First());
    }

    private static IReadOnlyList<T> Recent<T>(T newest, IReadOnlyList<T> earlier) => [newest, .. earlier.Take(RecentLimit - 1)];

    private void Publish()
    {
        _version++;
        _feed.Publish(Build());
    }

    private DashboardSnapshot Build() => new(
        _version, _dataVersion, _windowVersion, _window,
        _history.Values.Select(w => new WindowTotal(w.WindowEnd, w.Total, w.Regions.Count == 0 ? 0 : w.Regions.Max(r => r.Count))).ToList(),
        _historyCapacity, _status);
}
