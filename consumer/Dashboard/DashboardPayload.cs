using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TopUpSpark.Core.Messages;
using TopUpSpark.Web.Figures;
using TopUpSpark.Web.Map;

namespace TopUpSpark.Consumer.Dashboard;

/// <summary>
/// The JSON the page renders: both figures, the window's table, and the consumer's status. Built once
/// per snapshot version and shared by every browser; the map figure is rebuilt only when the window
/// changed. Serialised with System.Text.Json's default encoder, which escapes &lt; &gt; &amp; ' and
/// non-ASCII, so the text is also safe inside an HTML &lt;script&gt; block.
/// </summary>
/// <param name="streamsServed">Whether the same server also serves the streams page, which the map then links.</param>
public sealed class DashboardPayload(IndiaMap map, TimeProvider time, bool streamsServed = false)
{
    private readonly Lock _gate = new();
    private (long Version, string Json)? _payload;
    private (long WindowVersion, long ColourScaleMax, JsonNode Figure)? _map;
    private (long DataVersion, JsonNode Figure)? _history;

    public string For(DashboardSnapshot snapshot)
    {
        lock (_gate)
        {
            if (_payload is { } cached && cached.Version == snapshot.Version) return cached.Json;
            var json = Build(snapshot);
            _payload = (snapshot.Version, json);
            return json;
        }
    }

    private string Build(DashboardSnapshot snapshot)
    {
        // A late window can raise the colour scale's top without changing the map's window.
        if (_map is not { } mapFigure || mapFigure.WindowVersion != snapshot.WindowVersion || mapFigure.ColourScaleMax != snapshot.ColourScaleMax)
            _map = mapFigure = (snapshot.WindowVersion, snapshot.ColourScaleMax,
                DashboardFigures.Map(map, snapshot.Window, snapshot.Status.Topic, snapshot.ColourScaleMax));
        // The history changes with every accepted message, late windows included; status changes leave it as it was.
        if (_history is not { } historyFigure || historyFigure.DataVersion != snapshot.DataVersion)
            _history = historyFigure = (snapshot.DataVersion, DashboardFigures.History(snapshot.History, snapshot.HistoryCapacity));
        var status = snapshot.Status;
        var payload = new JsonObject
        {
            ["version"] = snapshot.Version,
            ["dataVersion"] = snapshot.DataVersion,
            ["windowVersion"] = snapshot.WindowVersion,
            ["colourScaleMax"] = snapshot.ColourScaleMax,
            // The page offers a scale of this window alone too.
            ["windowScaleMax"] = Math.Max(1, snapshot.Window is { Regions.Count: > 0 } shown ? shown.Regions.Max(r => r.Count) : 1),
            ["generatedAt"] = Time(time.GetUtcNow()),
            ["streamsServed"] = streamsServed,
            ["map"] = mapFigure.Figure.DeepClone(),
            ["history"] = historyFigure.Figure.DeepClone(),
            ["window"] = snapshot.Window is { } window
                ? new JsonObject
                {
                    ["end"] = StateCountsMessage.FormatKey(window.WindowEnd),
                    ["total"] = window.Total,
                    ["messages"] = window.Messages,
                    ["regions"] = new JsonArray(window.Regions.Select(r => (JsonNode)new JsonObject
                    {
                        ["region"] = r.Region,
                        ["count"] = r.Count,
                        ["dataNames"] = r.DataNamesText(),
                        ["sameName"] = r.DataNames.Count == 1 && StateAliasTable.Normalize(r.DataNames[0]) == StateAliasTable.Normalize(r.Region),
                    }).ToArray()),
                    ["unmatchedHidden"] = Math.Max(0, window.Unmatched.Count - WindowCounts.UnmatchedShown),
                    ["unmatched"] = new JsonArray(window.Unmatched.Take(WindowCounts.UnmatchedShown).Select(u => (JsonNode)new JsonObject
                    {
                        ["name"] = u.Name,
                        ["count"] = u.Count,
                    }).ToArray()),
                }
                : null,
            ["status"] = status.Connection.AddTo(new JsonObject
            {
                ["lastMessageAt"] = status.LastMessageAt is { } last ? Time(last) : null,
                ["messagesAccepted"] = status.MessagesAccepted,
                ["messagesRejected"] = status.MessagesRejected,
                ["recentRejections"] = Rejections(status.RecentRejections),
                ["lateWindows"] = status.LateWindows,
                ["repeatedPartsIgnored"] = status.RepeatedPartsIgnored,
                ["lostMessages"] = status.LostMessages,
                ["job"] = new JsonObject
                {
                    ["batches"] = status.Job.Batches,
                    ["instances"] = status.Job.Instances,
                    ["inputRows"] = status.Job.InputRows,
                    ["lateRowsDropped"] = status.Job.LateRowsDropped,
                    ["deadLetters"] = status.Job.DeadLetters,
                    ["invalidValues"] = status.Job.InvalidValues,
                    ["lostRecords"] = status.Job.LostRecords,
                    ["lastBatchAt"] = status.Job.LastBatchAt is { } batchAt ? Time(batchAt) : null,
                },
                ["recentGaps"] = new JsonArray(status.RecentGaps.Select(g => (JsonNode)new JsonObject
                {
                    ["at"] = Time(g.At),
                    ["topic"] = g.Topic,
                    ["partition"] = g.Partition,
                    ["expectedOffset"] = g.ExpectedOffset,
                    ["actualOffset"] = g.ActualOffset,
                    ["missing"] = g.Missing,
                }).ToArray()),
            }, Time),
        };
        return payload.ToJsonString(JsonOptions);
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false };

    /// <summary>Rejected or unreadable messages as the pages list them.</summary>
    internal static JsonArray Rejections(IEnumerable<RejectedMessage> rejections) =>
        new(rejections.Select(r => (JsonNode)new JsonObject
        {
            ["at"] = Time(r.At),
            ["source"] = r.Source,
            ["reason"] = r.Reason,
        }).ToArray());

    internal static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
