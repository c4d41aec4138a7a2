using System.Text.Json.Nodes;

namespace TopUpSpark.Streaming.Rows;

/// <summary>Rows to and from JSON for state snapshots, exactly (doubles round-trip, times as UTC ticks).</summary>
public static class RowCodec
{
    public static JsonArray Save(IEnumerable<object?[]> rows, RowSchema schema)
    {
        var array = new JsonArray();
        foreach (var row in rows)
        {
            var saved = new JsonArray();
            for (var i = 0; i < schema.Count; i++) saved.Add(SaveValue(row[i], schema.Kinds[i]));
            array.Add(saved);
        }
        return array;
    }

    public static IEnumerable<object?[]> Restore(JsonNode? saved, RowSchema schema)
    {
        if (saved is not JsonArray rows) yield break;
        foreach (var row in rows)
        {
            var values = row!.AsArray();
            var restored = new object?[schema.Count];
            for (var i = 0; i < schema.Count; i++) restored[i] = RestoreValue(values[i], schema.Kinds[i]);
            yield return restored;
        }
    }

    private static JsonNode? SaveValue(object? value, ColumnKind kind) => value is null ? null : kind switch
    {
        ColumnKind.String => JsonValue.Create((string)value),
        ColumnKind.Double => JsonValue.Create((double)value),
        ColumnKind.Long => JsonValue.Create((long)value),
        ColumnKind.Timestamp => JsonValue.Create(((DateTimeOffset)value).UtcTicks),
        ColumnKind.Binary => JsonValue.Create(Convert.ToBase64String((byte[])value)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static object? RestoreValue(JsonNode? node, ColumnKind kind) => node is null ? null : kind switch
    {
        ColumnKind.String => node.GetValue<string>(),
        ColumnKind.Double => node.GetValue<double>(),
        ColumnKind.Long => node.GetValue<long>(),
        ColumnKind.Timestamp => new DateTimeOffset(node.GetValue<long>(), TimeSpan.Zero),
        ColumnKind.Binary => Convert.FromBase64String(node.GetValue<string>()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
