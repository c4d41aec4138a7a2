using TopUpSpark.Consumer.Dashboard;
using TopUpSpark.Consumer.Kafka;
using TopUpSpark.Web;

namespace TopUpSpark.Consumer.Streams;

/// <summary>One line of the charts: a topic, or one value of the group-by column in a topic.</summary>
public sealed record StreamSeries(
    string Topic,
    string? Group,
    IReadOnlyList<long> Records,
    IReadOnlyList<long> Late,
    IReadOnlyList<long> InWindow,
    long Total,
    long TotalLate)
{
    public string Name => Group is null ? Topic : $"{Topic} · {Group}";

    /// <summary>Records in the last window: the current bucket and the ones before it that the window covers.</summary>
    public long LastWindow => InWindow.Count > 0 ? InWindow[^1] : 0;

    public long LateInLastWindow(int bucketsPerWindow) => Late.TakeLast(bucketsPerWindow).Sum();
}

/// <summary>How the stream counts' consumer is doing, and the messages it could not read.</summary>
public sealed record StreamReaderStatus(
    ReaderConnection Connection,
    long Messages,
    long Unreadable,
    IReadOnlyList<RejectedMessage> RecentUnreadable,
    long LostMessages,
    IReadOnlyList<OffsetGap> RecentGaps)
{
    public bool Ready => Connection.Ready;
}

/// <summary>
/// The counts at one moment: <see cref="BucketStarts"/> are the processing-time buckets shown (the last one
/// is the current, still filling), and every series has one value per bucket.
/// </summary>
public sealed record StreamCountsSnapshot(
    long Version,
    DateTimeOffset Now,
    StreamCountsOptions Options,
    IReadOnlyList<DateTimeOffset> BucketStarts,
    IReadOnlyList<StreamSeries> Series,
    StreamReaderStatus Status);

/// <summary>
/// Counts records per topic (and group-by value) in processing-time buckets aligned to the Unix epoch:
/// a record counts in the bucket of the moment it was read, by the injected clock. It is late when its
/// event time <c>ts</c> — a whole second — ended before its bucket began. Keeps two windows of buckets, so
/// every bucket shown has its whole window's total. Thread-safe; <see cref="Publish"/> makes a snapshot.
/// </summary>
public sealed class StreamCounter : IReaderStatus
{
    private const int RecentLimit = DashboardState.RecentLimit;

    private readonly Lock _gate = new();
    private readonly StreamCountsOptions _options;
    private readonly TimeProvider _time;
    private readonly long _bucketTicks;
    private readonly int _shownBuckets;
    private readonly long _firstBucket;
    private readonly Dictionary<(string Topic, string? Group), Counts> _series = [];
    private readonly Dictionary<string, int> _groupsPerTopic = new(StringComparer.Ordinal);
    private readonly SnapshotFeed<StreamCountsSnapshot> _feed;
    private StreamReaderStatus _status;
    private long _version;

    public StreamCounter(StreamCountsOptions options, string bootstrapServers, string groupId, TimeProvider time)
    {
        options.Validate();
        _options = options;
        _time = time;
        _bucketTicks = options.Bucket.Ticks;
        _shownBuckets = options.BucketsPerWindow;
        var now = time.GetUtcNow();
        _firstBucket = BucketOf(now);
        _status = new StreamReaderStatus(ReaderConnection.Starting(string.Join(", ", options.Topics), bootstrapServers, groupId, now), Messages: 0, Unreadable: 0, RecentUnreadable: [], LostMessages: 0, RecentGaps: []);
        // Every topic has its line from the start, at zero until something arrives.
        foreach (var topic in options.Topics)
            _series[(topic, null)] = new Counts();
        _feed = new SnapshotFeed<StreamCountsSnapshot>(Build(), snapshot => snapshot.Version);
    }

    public StreamCountsOptions Options => _options;

    public StreamCountsSnapshot Current => _feed.Current;

    public Task<StreamCountsSnapshot?> NextAsync(long seenVersion, TimeSpan? maxWait, CancellationToken cancel) =>
        _feed.NextAsync(seenVersion, maxWait, cancel);

    /// <summary>Counts one record of <paramref name="topic"/> read now; an unreadable value is counted as a record and listed with its reason.</summary>
    public void Count(string topic, ReadOnlySpan<byte> value, string source)
    {
        var now = _time.GetUtcNow();
        var readable = StreamRecord.TryRead(value, _options.GroupBy, out var record, out var problem);
        var bucket = BucketOf(now);
        // ts is a whole second: late when that second ended before this bucket began.
        var late = record.EventTime is { } eventTime && eventTime.UtcTicks + TimeSpan.TicksPerSecond <= bucket * _bucketTicks;
        lock (_gate)
        {
            Series(topic, null).Add(bucket, late);
            if (_options.GroupBy is not null)
                Series(topic, readable ? record.Group ?? StreamCountsOptions.NoGroupValue : StreamCountsOptions.NoGroupValue).Add(bucket, late);
            _status = _status with
            {
                Messages = _status.Messages + 1,
                Unreadable = _status.Unreadable + (readable ? 0 : 1),
                RecentUnreadable = readable ? _status.RecentUnreadable : [new RejectedMessage(now, source, problem!), .. _status.RecentUnreadable.Take(RecentLimit - 1)],
            };
            _version++;
        }
    }

    /// <summary>Publishes a snapshot when anything changed since the last one, or when the clock entered a new bucket.</summary>
    public StreamCountsSnapshot Publish()
    {
        var current = _feed.Current;
        lock (_gate)
        {
            if (current.Version == _version && BucketOf(current.Now) == BucketOf(_time.GetUtcNow())) return current;
            _version++;
            var snapshot = Build();
            _feed.Publish(snapshot);
            return snapshot;
        }
    }

    public void SetConnection(bool connected) => UpdateStatus(s => s with { Connection = s.Connection with { Connected = connected } });

    public void SetPartitions(int assigned, int positioned) =>
        UpdateStatus(s => s with { Connection = s.Connection with { AssignedPartitions = assigned, PositionedPartitions = positioned } });

    public void SetLag(long? lag) => UpdateStatus(s => s with { Connection = s.Connection with { Lag = lag } });

    public void RecordGap(OffsetGap gap) => UpdateStatus(s => s with
    {
        LostMessages = s.LostMessages + gap.Missing,
        RecentGaps = [gap, .. s.RecentGaps.Take(RecentLimit - 1)],
    });

    private void UpdateStatus(Func<StreamReaderStatus, StreamReaderStatus> change)
    {
        lock (_gate)
        {
            var updated = change(_status);
            if (updated == _status) return;
            _status = updated;
            _version++;
        }
    }

    private long BucketOf(DateTimeOffset at) => Math.DivRem(at.UtcTicks, _bucketTicks).Quotient;

    /// <summary>The counts of a series, created on first use; past <see cref="StreamCountsOptions.MaxGroupsPerTopic"/> values a topic's new values share one series.</summary>
    private Counts Series(string topic, string? group)
    {
        if (_series.TryGetValue((topic, group), out var counts)) return counts;
        if (group is not null and not StreamCountsOptions.OtherGroups)
        {
            var groups = _groupsPerTopic.GetValueOrDefault(topic);
            if (groups >= StreamCountsOptions.MaxGroupsPerTopic) return Series(topic, StreamCountsOptions.OtherGroups);
            _groupsPerTopic[topic] = groups + 1;
        }
        return _series[(topic, group)] = new Counts();
    }

    private StreamCountsSnapshot Build()
    {
        var now = _time.GetUtcNow();
        var current = BucketOf(now);
        var first = Math.Max(_firstBucket, current - _shownBuckets + 1);
        var buckets = Enumerable.Range(0, (int)(current - first + 1))
            .Select(i => new DateTimeOffset((first + i) * _bucketTicks, TimeSpan.Zero)).ToList();
        var topicOrder = _options.Topics.Select((topic, index) => (topic, index)).ToDictionary(t => t.topic, t => t.index, StringComparer.Ordinal);
        var series = _series
            .OrderBy(s => topicOrder.GetValueOrDefault(s.Key.Topic, int.MaxValue)).ThenBy(s => s.Key.Topic, StringComparer.Ordinal)
            .ThenBy(s => s.Key.Group is not null).ThenBy(s => s.Key.Group, StringComparer.Ordinal)
            .Select(s => s.Value.Series(s.Key.Topic, s.Key.Group, first, current, _shownBuckets))
            .ToList();
        return new StreamCountsSnapshot(_version, now, _options, buckets, series, _status);
    }

    /// <summary>One series' records and late records per bucket index, for the last two windows.</summary>
    private sealed class Counts
    {
        private readonly SortedDictionary<long, (long Records, long Late)> _buckets = [];
        private long _total, _late;

        public void Add(long bucket, bool late)
        {
            var counts = _buckets.GetValueOrDefault(bucket);
            _buckets[bucket] = (counts.Records + 1, counts.Late + (late ? 1 : 0));
            _total++;
            if (late) _late++;
        }

        public StreamSeries Series(string topic, string? group, long first, long current, int bucketsPerWindow)
        {
            // What no bucket shown or summed needs any more.
            while (_buckets.Count > 0 && _buckets.Keys.First() <= current - 2 * bucketsPerWindow)
                _buckets.Remove(_buckets.Keys.First());
            var length = (int)(current - first + 1);
            var records = new long[length];
            var late = new long[length];
            var inWindow = new long[length];
            for (var i = 0; i < length; i++)
            {
                var bucket = first + i;
                var counts = _buckets.GetValueOrDefault(bucket);
                records[i] = counts.Records;
                late[i] = counts.Late;
                inWindow[i] = _buckets.Where(b => b.Key > bucket - bucketsPerWindow && b.Key <= bucket).Sum(b => b.Value.Records);
            }
            return new StreamSeries(topic, group, records, late, inWindow, _total, _late);
        }
    }
}
