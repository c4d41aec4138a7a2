using System.Runtime.CompilerServices;

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
public sealed class DashboardState
{
    /// <summary>How many recent rejections and data-loss gaps are kept for the page.</summary>
    public const int RecentLimit = 10;

    private readonly Lock _gate = new();
    private readonly SortedDictionary<DateTimeOffset, long> _history = new();
    private readonly int _historyCapacity;
    private WindowCounts? _window;
    private ConsumerStatus _status;
    private long _version, _dataVersion, _windowVersion;
    private DashboardSnapshot _snapshot;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DashboardState(string topic, string bootstrapServers, string groupId, int historyCapacity, DateTimeOffset startedAt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(historyCapacity, 1);
        _historyCapacity = historyCapacity;
        _status = new ConsumerStatus(topic, bootstrapServers, groupId, startedAt, Connected: false, AssignedPartitions: 0,
            PositionedPartitions: 0, Lag: null, LastMessageAt: null, MessagesAccepted: 0, MessagesRejected: 0, RecentRejections: [],
            LateWindows: 0, LostMessages: 0, RecentGaps: []);
        _snapshot = Build();
    }

    public DashboardSnapshot Current
    {
        get
        {
            lock (_gate) return _snapshot;
        }
    }

    /// <summary>Takes a decoded window: the newest end replaces the map's window, the same end adds to it, an older one is late.</summary>
    public WindowOutcome ApplyWindow(WindowCounts counts, DateTimeOffset receivedAt)
    {
        lock (_gate)
        {
            WindowOutcome outcome;
            if (_window is null || counts.WindowEnd > _window.WindowEnd)
            {
                _window = counts;
                outcome = WindowOutcome.Newest;
            }
            else if (counts.WindowEnd == _window.WindowEnd)
            {
                _window = _window.Merge(counts);
                outcome = WindowOutcome.Merged;
            }
            else
            {
                outcome = WindowOutcome.Late;
            }
            if (outcome != WindowOutcome.Late) _windowVersion++;
            AddToHistory(counts.WindowEnd, counts.Total);
            _status = _status with
            {
                LastMessageAt = receivedAt,
                MessagesAccepted = _status.MessagesAccepted + 1,
                LateWindows = _status.LateWindows + (outcome == WindowOutcome.Late ? 1 : 0),
            };
            _dataVersion++;
            Publish();
            return outcome;
        }
    }

    public void Reject(RejectedMessage rejection)
    {
        lock (_gate)
        {
            _status = _status with
            {
                LastMessageAt = rejection.At,
                MessagesRejected = _status.MessagesRejected + 1,
                RecentRejections = Recent(rejection, _status.RecentRejections),
            };
            _dataVersion++;
            Publish();
        }
    }

    public void RecordGap(OffsetGap gap)
    {
        lock (_gate)
        {
            _status = _status with
            {
                LostMessages = _status.LostMessages + gap.Missing,
                RecentGaps = Recent(gap, _status.RecentGaps),
            };
            _dataVersion++;
            Publish();
        }
    }

    public void SetConnection(bool connected) => UpdateStatus(s => s with { Connected = connected });

    public void SetPartitions(int assigned, int positioned) =>
        UpdateStatus(s => s with { AssignedPartitions = assigned, PositionedPartitions = positioned });

    public void SetLag(long? lag) => UpdateStatus(s => s with { Lag = lag });

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
    public async Task<DashboardSnapshot?> NextAsync(long seenVersion, TimeSpan? maxWait, CancellationToken cancel)
    {
        Task changed;
        lock (_gate)
        {
            if (_snapshot.Version != seenVersion) return _snapshot;
            changed = _changed.Task;
        }
        try
        {
            await (maxWait is { } wait ? changed.WaitAsync(wait, cancel) : changed.WaitAsync(cancel));
        }
        catch (TimeoutException)
        {
            // Nothing changed within maxWait: the caller gets the same snapshot again (a keep-alive).
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        return Current;
    }

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

    private void AddToHistory(DateTimeOffset windowEnd, long total)
    {
        _history[windowEnd] = _history.GetValueOrDefault(windowEnd) + total;
        while (_history.Count > _historyCapacity)
            _history.Remove(_history.Keys.First());
    }

    private static IReadOnlyList<T> Recent<T>(T newest, IReadOnlyList<T> earlier) => [newest, .. earlier.Take(RecentLimit - 1)];

    private void Publish()
    {
        _version++;
        _snapshot = Build();
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.SetResult();
    }

    private DashboardSnapshot Build() => new(
        _version, _dataVersion, _windowVersion, _window,
        _history.Select(h => new WindowTotal(h.Key, h.Value)).ToList(), _historyCapacity, _status);
}
