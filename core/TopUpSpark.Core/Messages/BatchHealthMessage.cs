using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TopUpSpark.Core.Messages;

/// <summary>
/// The output contract on <c>topup-progress</c>, version 1: one message per micro-batch of a job instance,
/// saying what the batch did not turn into output — late rows dropped, dead letters, invalid values, records
/// lost — with its input rows and watermark, so that readers (the dashboard) show them beside the counts of
/// <c>topup-by-state</c>. Key = the query id; value = a JSON object:
/// <code>{"version":1,"queryId":"…","queryName":"TopUpSpark","instance":"host-42","batchId":7,"tasks":[0,1,2,3],
/// "timestamp":"2026-11-25T00:01:30.000Z","inputRows":120,"lateRowsDropped":2,"deadLetters":0,"invalidValues":0,
/// "lostRecords":0,"watermark":"2026-11-25T00:01:00.000Z"}</code>
/// (<c>watermark</c> null before the first one). Several instances of a query each publish their own batches
/// (their <c>tasks</c>); a batch replayed after a crash is published again, and a reader counts a query's
/// (tasks, batch) once. A reader refuses another <c>version</c> by name: a newer contract is a new version.
/// </summary>
public sealed record BatchHealthMessage(
    Guid QueryId,
    string QueryName,
    string Instance,
    long BatchId,
    IReadOnlyList<int> Tasks,
    DateTimeOffset Timestamp,
    long InputRows,
    long LateRowsDropped,
    long DeadLetters,
    long InvalidValues,
    long LostRecords,
    DateTimeOffset? Watermark)
{
    public const int Version = 1;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, Encoder = JsonText.Encoder };

    public string Key => QueryId.ToString("D");

    public byte[] EncodeValue() => JsonSerializer.SerializeToUtf8Bytes(new Wire(Version, QueryId, QueryName, Instance, BatchId, Tasks,
        Time(Timestamp), InputRows, LateRowsDropped, DeadLetters, InvalidValues, LostRecords, Watermark is { } w ? Time(w) : null), Json);

    /// <summary>Reads a message back; refuses, with a reason, another version, a missing field, a negative count, a key that is not the query id.</summary>
    public static bool TryDecode(string? key, ReadOnlySpan<byte> value, out BatchHealthMessage? message, out string? error)
    {
        message = null;
        Wire? wire;
        try
        {
            wire = JsonSerializer.Deserialize<Wire>(value, Json);
        }
        catch (JsonException e)
        {
            error = "value is not a batch health object: " + e.Message;
            return false;
        }
        catch (InvalidOperationException e)
        {
            error = "value holds a string that is not valid text: " + e.Message;
            return false;
        }
        if (wire is null)
        {
            error = "value is null";
            return false;
        }
        if (wire.Version != Version)
        {
            error = $"version {wire.Version} is not the version {Version} this reader knows";
            return false;
        }
        DateTimeOffset timestamp = default, watermark = default;
        error = wire.QueryName is null || wire.Instance is null || wire.Tasks is null || wire.Timestamp is null ? "value lacks queryName, instance, tasks or timestamp"
            : key != wire.QueryId.ToString("D") ? $"key '{key}' is not the query id {wire.QueryId:D}"
            : wire.BatchId < 0 || wire.InputRows < 0 || wire.LateRowsDropped < 0 || wire.DeadLetters < 0 || wire.InvalidValues < 0 || wire.LostRecords < 0
                ? "a batch id or count is negative"
            : !TryTime(wire.Timestamp, out timestamp) || (wire.Watermark is not null && !TryTime(wire.Watermark, out watermark))
                ? "timestamp or watermark is not an ISO 8601 UTC time"
            : null;
        if (error is not null) return false;
        message = new BatchHealthMessage(wire.QueryId, wire.QueryName!, wire.Instance!, wire.BatchId, wire.Tasks!, timestamp, wire.InputRows,
            wire.LateRowsDropped, wire.DeadLetters, wire.InvalidValues, wire.LostRecords, wire.Watermark is null ? null : watermark);
        return true;
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static bool TryTime(string? text, out DateTimeOffset at) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at);

    /// <summary>The value as sent; every field must be there (a missing count must not read as 0).</summary>
    private sealed record Wire(
        [property: JsonRequired] int Version, [property: JsonRequired] Guid QueryId, [property: JsonRequired] string? QueryName,
        [property: JsonRequired] string? Instance, [property: JsonRequired] long BatchId, [property: JsonRequired] IReadOnlyList<int>? Tasks,
        [property: JsonRequired] string? Timestamp, [property: JsonRequired] long InputRows, [property: JsonRequired] long LateRowsDropped,
        [property: JsonRequired] long DeadLetters, [property: JsonRequired] long InvalidValues, [property: JsonRequired] long LostRecords,
        [property: JsonRequired] string? Watermark);
}
