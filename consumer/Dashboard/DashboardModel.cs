using TopUpSpark.Consumer.Kafka;
namespace TopUpSpark.Consumer.Dashboard;

/// <summary>Predicted top-ups of one map region, and the data's names that were counted for it.</summary>
public sealed record RegionCount(string Region, long Count, IReadOnlyList<string> DataNames)
{
    /// <summary>The data's names for display: a message with endless spellings of one state must not flood the page.</summary>
    public string DataNamesText(int shown = 5) =>
        DataNames.Count <= shown
            ? string.Join(", ", DataNames)
            : $"{string.Join(", ", DataNames.Take(shown))} and {DataNames.Count - shown} more";
}

/// <summary>A data state name that matches no region of the map: shown and counted, never dropped.</summary>
public sealed record UnmatchedState(string Name, long Count);

/// <summary>The counts of one window, as shown on the map.</summary>
public sealed record WindowCounts(
    DateTimeOffset WindowEnd,
    IReadOnlyList<RegionCount> Regions,
    IReadOnlyList<UnmatchedState> Unmatched,
    int Messages)
{
    /// <summary>How many unmatched names the page and the terminal list; the rest are counted ("and N more") and logged.</summary>
    public const int UnmatchedShown = 50;

    /// <summary>
    /// Summed once, checked (LINQ's Sum is): an overflow surfaces while the message is processed, never
    /// later while the page or the terminal table is drawn.
    /// </summary>
    public long Total { get; } = checked(Regions.Sum(r => r.Count) + Unmatched.Sum(u => u.Count));

    /// <summary>
    /// Adds a later message for the same window end (a micro-batch can add rows to a window that an
    /// earlier one already reported; in append mode each message carries only the new rows).
    /// </summary>
    public WindowCounts Merge(WindowCounts later)
    {
        if (later.WindowEnd != WindowEnd) throw new ArgumentException("only counts of the same window merge", nameof(later));
        var regions = Regions.Concat(later.Regions)
            .GroupBy(r => r.Region, StringComparer.Ordinal)
            .Select(g => new RegionCount(g.Key, g.Sum(r => r.Count), g.SelectMany(r => r.DataNames).Distinct(StringComparer.Ordinal).ToList()))
            .OrderByDescending(r => r.Count).ThenBy(r => r.Region, StringComparer.Ordinal)
            .ToList();
        var unmatched = Unmatched.Concat(later.Unmatched)
            .GroupBy(u => u.Name, StringComparer.Ordinal)
            .Select(g => new UnmatchedState(g.Key, g.Sum(u => u.Count)))
            .OrderByDescending(u => u.Count).ThenBy(u => u.Name, StringComparer.Ordinal)
            .ToList();
        return new WindowCounts(WindowEnd, regions, unmatched, Messages + later.Messages);
    }
}

/// <summary>One point of the history chart, and the largest count of one region of the map in that window.</summary>
public sealed record WindowTotal(DateTimeOffset WindowEnd, long Total, long LargestRegionCount);

public sealed record RejectedMessage(DateTimeOffset At, string Source, string Reason);

/// <summary>
/// Messages the broker no longer had when the dashboard came to read them (offsets jumped forward), or
/// offsets that went back (a re-created topic, a replaced broker: <see cref="Missing"/> is then 0, as what
/// was missed is unknown).
/// </summary>
public sealed record OffsetGap(DateTimeOffset At, string Topic, int Partition, long ExpectedOffset, long ActualOffset, long Missing);

/// <summary>
/// What the job's instances said about their batches on <c>topup-progress</c> since the dashboard started: rows
/// they read, and rows that became no prediction — late rows dropped, dead letters, invalid values, records lost.
/// </summary>
public sealed record JobHealth(long Batches, long InputRows, long LateRowsDropped, long DeadLetters, long InvalidValues, long LostRecords, int Instances,
    DateTimeOffset? LastBatchAt)
{
    public static readonly JobHealth None = new(0, 0, 0, 0, 0, 0, 0, null);
}

/// <summary>How the dashboard's Kafka consumer is doing. Holds no credentials: pass-through settings never appear here.</summary>
public sealed record ConsumerStatus(
    ReaderConnection Connection,
    DateTimeOffset? LastMessageAt,
    long MessagesAccepted,
    long MessagesRejected,
    IReadOnlyList<RejectedMessage> RecentRejections,
    long LateWindows,
    long RepeatedPartsIgnored,
    long LostMessages,
    IReadOnlyList<OffsetGap> RecentGaps,
    JobHealth Job)
{
    public string Topic => Connection.Topic;
    public bool Connected => Connection.Connected;
    public long? Lag => Connection.Lag;
    public bool Ready => Connection.Ready;
}

/// <summary>
/// An immutable view of everything the dashboard shows. <see cref="Version"/> changes on any change;
/// <see cref="DataVersion"/> only when a message was read (accepted or rejected) or messages were lost;
/// <see cref="WindowVersion"/> only when the map's window or its counts changed.
/// </summary>
public sealed record DashboardSnapshot(
    long Version,
    long DataVersion,
    long WindowVersion,
    WindowCounts? Window,
    IReadOnlyList<WindowTotal> History,
    int HistoryCapacity,
    ConsumerStatus Status)
{
    /// <summary>
    /// The top of the map's colour scale: the largest count of one region in the windows of the history, so a
    /// shade means the same count in every window shown (at least 1, so an empty map still has a scale).
    /// </summary>
    public long ColourScaleMax => Math.Max(1, History.Count == 0 ? 1 : History.Max(h => h.LargestRegionCount));
}
