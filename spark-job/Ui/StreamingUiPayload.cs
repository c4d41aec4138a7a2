using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TopUpSpark.Streaming.Progress;

namespace TopUpSpark.Job.Ui;

/// <summary>Which query the UI shows: known before its first batch.</summary>
public sealed record UiQuery(Guid Id, string Name, string Instance, DateTimeOffset StartedAt);

/// <summary>
/// The UI's two JSON documents, each built once per snapshot version and shared by every browser: the recent
/// progress (<c>/api/progress</c>: the query and its last batches, each as in <c>progress.jsonl</c>), and the
/// page's data (<c>/events</c>: the figures, the newest batch's offsets per partition, and the totals over the
/// batches shown). Serialised with System.Text.Json's default encoder, which escapes &lt; &gt; &amp; and '.
/// </summary>
public sealed class StreamingUiPayload(UiQuery query)
{
    private static readonly JsonSerializerOptions Progress = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    private readonly Lock _gate = new();
    private (long Version, string Json)? _progress;
    private (long Version, string Json)? _page;

    public string ProgressJson(ProgressSnapshot snapshot) => Cached(ref _progress, snapshot, () => Envelope(snapshot).ToJsonString());

    public string PageJson(ProgressSnapshot snapshot) => Cached(ref _page, snapshot, () =>
    {
        var page = Envelope(snapshot);
        page.Remove("batches");
        var batches = snapshot.Batches;
        page["latest"] = batches.Count == 0 ? null : Latest(batches[^1]);
        page["shown"] = new JsonObject
        {
            ["batches"] = batches.Count,
            ["inputRows"] = batches.Sum(b => b.NumInputRows),
            ["lateRowsDropped"] = batches.Sum(b => b.LateRowsDropped),
            ["deadLetters"] = batches.Sum(b => b.DeadLetters),
            ["invalidValues"] = batches.Sum(b => b.InvalidValues),
            ["lostRecords"] = batches.Sum(b => b.LostRecords),
        };
        page["figures"] = StreamingUiFigures.All(batches);
        return page.ToJsonString();
    });

    private string Cached(ref (long Version, string Json)? cache, ProgressSnapshot snapshot, Func<string> build)
    {
        lock (_gate)
        {
            if (cache is { } cached && cached.Version == snapshot.Version) return cached.Json;
            var json = build();
            cache = (snapshot.Version, json);
            return json;
        }
    }

    private JsonObject Envelope(ProgressSnapshot snapshot) => new()
    {
        ["version"] = snapshot.Version,
        ["query"] = new JsonObject
        {
            ["id"] = query.Id.ToString("D"),
            ["name"] = query.Name,
            ["instance"] = query.Instance,
            ["startedAt"] = query.StartedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        },
        ["capacity"] = snapshot.Capacity,
        ["batches"] = new JsonArray(snapshot.Batches.Select(b => JsonSerializer.SerializeToNode(b, Progress)).ToArray()),
    };

    /// <summary>The newest batch as the page's header and offsets table show it.</summary>
    private static JsonObject Latest(QueryProgress batch) => new()
    {
        ["batchId"] = batch.BatchId,
        ["timestamp"] = batch.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        ["tasks"] = new JsonArray(batch.Tasks.Select(t => (JsonNode)t).ToArray()),
        ["numInputRows"] = batch.NumInputRows,
        ["inputRowsPerSecond"] = batch.InputRowsPerSecond,
        ["processedRowsPerSecond"] = batch.ProcessedRowsPerSecond,
        ["durationMs"] = batch.DurationMs.GetValueOrDefault("triggerExecution"),
        ["watermark"] = batch.EventTime.GetValueOrDefault("watermark"),
        ["stateRows"] = batch.StateOperators.Sum(s => s.NumRowsTotal),
        ["offsets"] = new JsonArray(batch.Sources
            .SelectMany(source => source.EndOffset.Keys.Order().Select(partition => (JsonNode)new JsonObject
            {
                ["source"] = source.Description,
                ["partition"] = partition,
                ["startOffset"] = source.StartOffset.GetValueOrDefault(partition),
                ["endOffset"] = source.EndOffset[partition],
            }))
            .ToArray()),
    };
}
