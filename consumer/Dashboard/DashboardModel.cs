using TopUpSpark.Consumer.Kafka;
using TopUpSpark.Web.Figures;
namespace TopUpSpark.Consumer.Dashboard;

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
