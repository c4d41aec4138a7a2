using System.Text.Json.Nodes;
using TopUpSpark.Consumer.Dashboard;
using TopUpSpark.Core.Cli;

namespace TopUpSpark.Consumer.Streams;

/// <summary>
/// The JSON the streams page renders: both charts, one table row per series and the consumer's status.
/// Built once per snapshot version and shared by every browser; written with System.Text.Json's escaping
/// encoder, as the map's payload is.
/// </summary>
public sealed class StreamCountsPayload(TimeProvider time, bool mapServed)
{
    private readonly Lock _gate = new();
    private (long Version, string Json)? _payload;

    public string For(StreamCountsSnapshot snapshot)
    {
        lock (_gate)
        {
            if (_payload is { } cached && cached.Version == snapshot.Version) return cached.Json;
            var json = Build(snapshot).ToJsonString();
            _payload = (snapshot.Version, json);
            return json;
        }
    }

    private JsonObject Build(StreamCountsSnapshot snapshot)
    {
        var options = snapshot.Options;
        var status = snapshot.Status;
        return new JsonObject
        {
            ["version"] = snapshot.Version,
            ["generatedAt"] = Time(time.GetUtcNow()),
            ["mapServed"] = mapServed,
            ["options"] = new JsonObject
            {
                ["topics"] = new JsonArray(options.Topics.Select(t => (JsonNode)t).ToArray()),
                ["groupBy"] = options.GroupBy,
                ["window"] = Duration.Format(options.Window),
                ["bucket"] = Duration.Format(options.Bucket),
            },
            ["perBucket"] = StreamFigures.PerBucket(snapshot),
            ["inWindow"] = StreamFigures.InWindow(snapshot),
            ["series"] = new JsonArray(snapshot.Series.Select((series, index) => (JsonNode)new JsonObject
            {
                ["name"] = series.Name,
                ["isTopic"] = series.Group is null,
                ["colour"] = StreamFigures.ColourOf(index),
                ["lastBucket"] = series.Records.Count > 0 ? series.Records[^1] : 0,
                ["lastWindow"] = series.LastWindow,
                ["lateInWindow"] = series.LateInLastWindow(options.BucketsPerWindow),
                ["total"] = series.Total,
                ["totalLate"] = series.TotalLate,
            }).ToArray()),
            ["status"] = status.Connection.AddTo(new JsonObject
            {
                ["messages"] = status.Messages,
                ["unreadable"] = status.Unreadable,
                ["recentUnreadable"] = DashboardPayload.Rejections(status.RecentUnreadable),
                ["lostMessages"] = status.LostMessages,
            }, Time),
        };
    }

    private static string Time(DateTimeOffset at) => DashboardPayload.Time(at);
}
