namespace TopUpSpark.Streaming.Rows;

/// <summary>Rows to and from a compact binary form for state snapshots, exactly (doubles bit for bit, times as UTC ticks).</summary>
public static class RowCodec
{
    public static void Write(BinaryWriter writer, IReadOnlyCollection<object?[]> rows, RowSchema schema)
    {
        writer.Write(rows.Count);
        foreach (var row in rows)
        {
            for (var i = 0; i < schema.Count; i++) WriteValue(writer, row[i], schema.Kinds[i]);
        }
    }

    public static IEnumerable<object?[]> Read(BinaryReader reader, RowSchema schema)
    {
        var count = reader.ReadInt32();
        var rows = new object?[count][];
        for (var r = 0; r < count; r++)
        {
            var row = new object?[schema.Count];
            for (var i = 0; i < schema.Count; i++) row[i] = ReadValue(reader, schema.Kinds[i]);
            rows[r] = row;
        }
        return rows;
    }

    /// <summary>One value with its null flag; <paramref name="kind"/> names the column in errors.</summary>
    public static void WriteValue(BinaryWriter writer, object? value, ColumnKind kind)
    {
        writer.Write(value is not null);
        switch (value)
        {
            case null: return;
            case string s: writer.Write(s); return;
            case double d: writer.Write(d); return;
            case long l: writer.Write(l); return;
            case DateTimeOffset t: writer.Write(t.UtcTicks); return;
            case byte[] b:
                writer.Write(b.Length);
                writer.Write(b);
                return;
            default: throw new InvalidOperationException($"a {kind} column holds a {value.GetType().Name}");
        }
    }

    public static object? ReadValue(BinaryReader reader, ColumnKind kind)
    {
        if (!reader.ReadBoolean()) return null;
        return kind switch
        {
            ColumnKind.String => reader.ReadString(),
            ColumnKind.Double => reader.ReadDouble(),
            ColumnKind.Long => reader.ReadInt64(),
            ColumnKind.Timestamp => new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero),
            ColumnKind.Binary => reader.ReadBytes(reader.ReadInt32()),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }
}
