using System.Buffers;
using System.Text;
using System.Text.Json;
using TopUpSpark.Core.Schema;

namespace TopUpSpark.Core.Messages;

/// <summary>
/// The input message contract (DESIGN §3): a JSON object with every CSV column under its exact header
/// name, every value a JSON string, plus <c>ts</c> (the batch's Unix seconds, as a string).
/// </summary>
public static class InputMessageCodec
{
    /// <summary>Writes one row; <paramref name="values"/> are in <paramref name="headers"/> order.</summary>
    public static byte[] Encode(IReadOnlyList<string> headers, IReadOnlyList<string> values, string eventTimeColumn, string ts)
    {
        if (headers.Count != values.Count)
            throw new ArgumentException($"{headers.Count} headers but {values.Count} values");
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JsonText.Encoder }))
        {
            writer.WriteStartObject();
            for (var i = 0; i < headers.Count; i++)
                writer.WriteString(headers[i], values[i]);
            writer.WriteString(eventTimeColumn, ts);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads a message into raw strings in schema column order plus the raw event time. A message that is
    /// not a JSON object of strings, lacks a schema column or the event time, or has columns the schema
    /// does not know, is rejected with a reason (the caller dead-letters it).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> json, DatasetSchema schema, string eventTimeColumn,
        out string?[] values, out string? eventTime, out string? error)
    {
        values = new string?[schema.Columns.Count];
        eventTime = null;
        error = null;
        var seen = 0;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "not a JSON object";
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    error = $"column '{name}' is not a JSON string";
                    return false;
                }
                if (name == eventTimeColumn)
                {
                    eventTime = reader.GetString();
                }
                else if (schema.TryGetOrdinal(name, out var ordinal))
                {
                    if (values[ordinal] is null) seen++;
                    values[ordinal] = reader.GetString();
                }
                else
                {
                    error = $"unexpected column '{name}'";
                    return false;
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = "malformed JSON object";
                return false;
            }
        }
        catch (JsonException e)
        {
            error = "malformed JSON: " + e.Message;
            return false;
        }
        if (eventTime is null)
        {
            error = $"missing event time column '{eventTimeColumn}'";
            return false;
        }
        if (seen != values.Length)
        {
            var decoded = values;
            var missing = schema.ColumnNames.Where((_, i) => decoded[i] is null).Take(5);
            error = $"missing column(s): {string.Join(", ", missing.Select(m => $"'{m}'"))}";
            return false;
        }
        return true;
    }

    public static string Describe(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
