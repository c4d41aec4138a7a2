using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace TopUpSpark.Consumer.Streams;

/// <summary>
/// What the counts need of a message: its event time (<c>"ts"</c>, Unix seconds as a string or a number,
/// DESIGN §3) and the value of the group-by column, read without building the whole object.
/// </summary>
public readonly record struct StreamRecord(DateTimeOffset? EventTime, string? Group)
{
    public const string EventTimeField = "ts";

    /// <summary>Reads a message value; false with the reason when it is not a JSON object (the record still arrived and is counted).</summary>
    public static bool TryRead(ReadOnlySpan<byte> value, string? groupBy, out StreamRecord record, out string? problem)
    {
        record = default;
        problem = null;
        DateTimeOffset? eventTime = null;
        string? group = null;
        try
        {
            var reader = new Utf8JsonReader(value);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "not a JSON object";
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isTs = reader.ValueTextEquals(EventTimeField);
                var isGroup = groupBy is not null && reader.ValueTextEquals(groupBy);
                reader.Read();
                if (isTs) eventTime = ReadEventTime(ref reader);
                if (isGroup) group = ReadText(ref reader);
                reader.Skip();
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                problem = "not a single JSON object";
                return false;
            }
        }
        catch (JsonException e)
        {
            problem = $"not JSON: {e.Message}";
            return false;
        }
        record = new StreamRecord(eventTime, group);
        return true;
    }

    private static DateTimeOffset? ReadEventTime(ref Utf8JsonReader reader)
    {
        long seconds = 0;
        var parsed = reader.TokenType switch
        {
            JsonTokenType.String => !reader.ValueIsEscaped
                                    && Utf8Parser.TryParse(reader.ValueSpan, out seconds, out var used) && used == reader.ValueSpan.Length,
            JsonTokenType.Number => reader.TryGetInt64(out seconds),
            _ => false,
        };
        // Outside DateTimeOffset's range is no event time at all.
        return parsed && seconds is >= -62_135_596_800 and <= 253_402_300_799 ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
    }

    private static string? ReadText(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False => Encoding.UTF8.GetString(reader.ValueSpan),
        _ => null,
    };
}
