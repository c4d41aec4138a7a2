using System.Collections;
using System.Data.Common;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Encodings.Web;
using TopUpSpark.Core.Messages;

namespace TopUpSpark.Analytics.Sql;

/// <summary>
/// Prints a query's result as an aligned table, CSV or JSON. Values are shown the same way in all three:
/// timestamps in UTC as ISO 8601 (the session's time zone is UTC), numbers in invariant culture and in full
/// (doubles round-trip), NULL as <c>NULL</c> in the table, an empty field in CSV, <c>null</c> in JSON.
/// </summary>
public static class ResultWriter
{
    public static void Write(DbDataReader reader, ResultFormat format, TextWriter output)
    {
        var names = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
        switch (format)
        {
            case ResultFormat.Csv:
                WriteCsv(reader, names, output);
                break;
            case ResultFormat.Json:
                WriteJson(reader, names, output);
                break;
            default:
                WriteTable(reader, names, output);
                break;
        }
        output.Flush();
    }

    private static void WriteTable(DbDataReader reader, IReadOnlyList<string> names, TextWriter output)
    {
        var rows = new List<string[]>();
        var rightAligned = new bool[names.Count];
        while (reader.Read())
        {
            var row = new string[names.Count];
            for (var i = 0; i < names.Count; i++)
            {
                var value = reader.IsDBNull(i) ? null : reader.GetValue(i);
                // Control characters escaped: a cell (a dead letter's value) must not break the table or move the terminal's cursor.
                row[i] = value is null ? "NULL" : Printable.Text(Text(value, ' '), int.MaxValue);
                rightAligned[i] |= IsNumber(value);
            }
            rows.Add(row);
        }
        AlignedTable.Write(output, names, rows, rightAligned, " | ", headerRule: true);
        output.WriteLine(rows.Count == 1 ? "(1 row)" : $"({rows.Count.ToString("N0", CultureInfo.InvariantCulture)} rows)");
    }

    private static void WriteCsv(DbDataReader reader, IReadOnlyList<string> names, TextWriter output)
    {
        output.WriteLine(string.Join(',', names.Select(CsvField)));
        while (reader.Read())
        {
            var fields = new string[names.Count];
            for (var i = 0; i < names.Count; i++)
                fields[i] = reader.IsDBNull(i) ? "" : CsvField(Text(reader.GetValue(i), 'T'));
            output.WriteLine(string.Join(',', fields));
        }
    }

    private static string CsvField(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;

    // Relaxed escaping: the output is JSON for programs, not HTML, so quotes and non-ASCII letters stay as they are.
    private static void WriteJson(DbDataReader reader, IReadOnlyList<string> names, TextWriter output)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            while (reader.Read())
            {
                json.WriteStartObject();
                for (var i = 0; i < names.Count; i++)
                {
                    json.WritePropertyName(names[i]);
                    WriteJsonValue(json, reader.IsDBNull(i) ? null : reader.GetValue(i));
                }
                json.WriteEndObject();
                // Rows are streamed out as they come, not held until the end.
                json.Flush();
                output.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
                buffer.SetLength(0);
            }
            json.WriteEndArray();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    private static void WriteJsonValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null or DBNull:
                json.WriteNullValue();
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case double d when double.IsFinite(d):
                json.WriteNumberValue(d);
                break;
            case float f when float.IsFinite(f):
                json.WriteNumberValue(f);
                break;
            case sbyte or byte or short or ushort or int or uint or long:
                json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong u:
                json.WriteNumberValue(u);
                break;
            case decimal m:
                json.WriteNumberValue(m);
                break;
            case BigInteger big:
                json.WriteRawValue(big.ToString(CultureInfo.InvariantCulture));
                break;
            case IDictionary dictionary:
                json.WriteStartObject();
                foreach (DictionaryEntry entry in dictionary)
                {
                    json.WritePropertyName(Text(entry.Key, 'T'));
                    WriteJsonValue(json, entry.Value);
                }
                json.WriteEndObject();
                break;
            case IEnumerable list and not string and not byte[]:
                json.WriteStartArray();
                foreach (var item in list) WriteJsonValue(json, item);
                json.WriteEndArray();
                break;
            default:
                // Text for everything else, NaN and infinities included (JSON has no number for them).
                json.WriteStringValue(Text(value, 'T'));
                break;
        }
    }

    private static bool IsNumber(object? value) =>
        value is sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal or BigInteger;

    /// <param name="dateTimeSeparator">Between date and time: a space in the table, ISO 8601's 'T' in CSV and JSON.</param>
    private static string Text(object value, char dateTimeSeparator) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        // The session's time zone is UTC, so a time without a kind is UTC too; one in local time is converted.
        DateTime t => (t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t).ToString($"yyyy-MM-dd'{dateTimeSeparator}'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.UtcDateTime.ToString($"yyyy-MM-dd'{dateTimeSeparator}'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        byte[] bytes => "\\x" + Convert.ToHexString(bytes),
        Stream stream => "\\x" + Convert.ToHexString(ReadAll(stream)),
        IDictionary or (IEnumerable and not string) => JsonText(value),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string JsonText(object value)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping })) WriteJsonValue(json, value);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
