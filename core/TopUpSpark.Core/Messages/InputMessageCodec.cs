using System.Buffers;
using System.Runtime.CompilerServices;
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

    private static readonly ConditionalWeakTable<DatasetSchema, Dictionary<string, TypedMessageDecoder>> StringDecoders = new();

    /// <summary>
    /// Reads a message into raw strings in schema column order plus the raw event time. A message that is
    /// not a JSON object of strings, lacks a schema column or the event time, or has columns the schema
    /// does not know, is rejected with a reason (the caller dead-letters it).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> json, DatasetSchema schema, string eventTimeColumn,
        out string?[] values, out string? eventTime, out string? error)
    {
        var decoder = StringDecoder(schema, eventTimeColumn);
        var row = new object?[schema.Columns.Count + 1];
        Span<int> unusedInvalidCounts = stackalloc int[schema.Columns.Count];
        var ok = decoder.TryDecode(json, row, unusedInvalidCounts, out error);
        values = ok ? row.Take(schema.Columns.Count).Cast<string?>().ToArray() : new string?[schema.Columns.Count];
        eventTime = ok ? (string?)row[^1] : null;
        return ok;
    }

    /// <summary>A decoder that keeps every column as its exact string, one per schema and event-time column.</summary>
    public static TypedMessageDecoder StringDecoder(DatasetSchema schema, string eventTimeColumn)
    {
        var byEventTime = StringDecoders.GetValue(schema, _ => new Dictionary<string, TypedMessageDecoder>(StringComparer.Ordinal));
        lock (byEventTime)
        {
            if (!byEventTime.TryGetValue(eventTimeColumn, out var decoder))
                byEventTime[eventTimeColumn] = decoder = new TypedMessageDecoder(StringColumns(schema), eventTimeColumn, castByType: false);
            return decoder;
        }
    }

    public static IReadOnlyList<ColumnSpec> StringColumns(DatasetSchema schema) =>
        schema.Columns.Select(c => new ColumnSpec(c.Name, ColumnType.String)).ToList();
}
