using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace TopUpSpark.Core.Messages;

/// <summary>
/// The output contract on <c>topup-by-state</c> (DESIGN §3): key = window end as
/// <c>yyyy-MM-dd HH:mm:ss</c> in UTC, value = <c>[{"State":"GUJARAT","count":3}, …]</c>.
/// </summary>
public sealed record StateCountsMessage(DateTimeOffset WindowEnd, IReadOnlyList<StateCount> Counts)
{
    public const string KeyFormat = "yyyy-MM-dd HH:mm:ss";

    public long Total => Counts.Sum(c => c.Count);

    public string Key => FormatKey(WindowEnd);

    public static string FormatKey(DateTimeOffset windowEnd) =>
        windowEnd.UtcDateTime.ToString(KeyFormat, CultureInfo.InvariantCulture);

    public byte[] EncodeValue()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JsonText.Encoder }))
        {
            writer.WriteStartArray();
            foreach (var count in Counts)
            {
                writer.WriteStartObject();
                writer.WriteString("State", count.State);
                writer.WriteNumber("count", count.Count);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads a message back. Rejects, with a reason, a key that is not a UTC window end, a value that is
    /// not an array of {State, count}, an empty state, and a count that is negative or not an integer.
    /// </summary>
    public static bool TryDecode(string? key, ReadOnlySpan<byte> value, out StateCountsMessage? message, out string? error)
    {
        message = null;
        if (key is null || !DateTime.TryParseExact(key, KeyFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var windowEnd))
        {
            error = $"key '{key}' is not a window end in the form {KeyFormat}";
            return false;
        }
        var counts = new List<StateCount>();
        try
        {
            using var document = JsonDocument.Parse(value.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                error = "value is not a JSON array";
                return false;
            }
            foreach (var element in document.RootElement.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.Object
                    || !element.TryGetProperty("State", out var state) || state.ValueKind != JsonValueKind.String
                    || !element.TryGetProperty("count", out var count) || count.ValueKind != JsonValueKind.Number)
                {
                    error = $"element {element.GetRawText()} is not {{\"State\": string, \"count\": number}}";
                    return false;
                }
                var stateName = state.GetString()!;
                if (string.IsNullOrWhiteSpace(stateName))
                {
                    error = "element has an empty State";
                    return false;
                }
                if (!count.TryGetInt64(out var n) || n < 0)
                {
                    error = $"count {count.GetRawText()} of state '{stateName}' is not a non-negative integer";
                    return false;
                }
                counts.Add(new StateCount(stateName, n));
            }
        }
        catch (JsonException e)
        {
            error = "value is not valid JSON: " + e.Message;
            return false;
        }
        catch (InvalidOperationException e)
        {
            // A string that is valid JSON but not text, such as an escaped lone surrogate ("\ud800").
            error = "value holds a string that is not valid text: " + e.Message;
            return false;
        }
        error = null;
        message = new StateCountsMessage(new DateTimeOffset(DateTime.SpecifyKind(windowEnd, DateTimeKind.Utc)), counts);
        return true;
    }

    public override string ToString() =>
        $"{Key}: {string.Join(", ", Counts.Select(c => $"{c.State}={c.Count}"))}";

}
