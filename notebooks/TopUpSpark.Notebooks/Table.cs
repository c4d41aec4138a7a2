using System.Data.Common;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;

namespace TopUpSpark.Notebooks;

/// <summary>
/// Rows for a notebook: a query's result or a sequence of objects, shown as an HTML table (the kernel's own
/// display of a sequence is a list of collapsed objects in Jupyter) and read column by column for a chart.
/// </summary>
public sealed class Table
{
    private Table(IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows)
    {
        Columns = columns;
        Rows = rows;
    }

    public IReadOnlyList<string> Columns { get; }
    public IReadOnlyList<object?[]> Rows { get; }

    /// <summary>One column per public property of <typeparamref name="T"/> (e.g. an anonymous type), one row per item.</summary>
    public static Table Of<T>(IEnumerable<T> items)
    {
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance);
        return new Table(properties.Select(p => p.Name).ToList(), items.Select(item => properties.Select(p => p.GetValue(item)).ToArray()).ToList());
    }

    public static Table Query(DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
        var rows = new List<object?[]>();
        while (reader.Read())
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : reader.GetValue(i)).ToArray());
        return new Table(columns, rows);
    }

    /// <summary>The values of one column, converted (e.g. DuckDB's BIGINT and HUGEINT sums to double for a chart).</summary>
    public IReadOnlyList<T> Column<T>(string name)
    {
        var index = Columns.ToList().IndexOf(name);
        if (index < 0) throw new ArgumentException($"no column '{name}'; the columns are {string.Join(", ", Columns)}", nameof(name));
        return Rows.Select(row => row[index] is { } value ? (T)ConvertTo(value, typeof(T)) : default!).ToList();
    }

    private static object ConvertTo(object value, Type type) => value switch
    {
        _ when type.IsInstanceOfType(value) => value,
        // DuckDB gives TIMESTAMPTZ as DateTime in the session's zone, which the notebooks set to UTC.
        DateTime time when type == typeof(DateTimeOffset) => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        System.Numerics.BigInteger big => Convert.ChangeType((decimal)big, type, CultureInfo.InvariantCulture),
        _ => Convert.ChangeType(value, type, CultureInfo.InvariantCulture),
    };

    /// <summary>An HTML table with a row count; numbers right-aligned, times UTC as ISO 8601.</summary>
    public HtmlFragment ToHtml()
    {
        var html = new StringBuilder("<table class=\"topup-table\"><thead><tr>");
        foreach (var column in Columns) html.Append("<th>").Append(WebUtility.HtmlEncode(column)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var row in Rows)
        {
            html.Append("<tr>");
            foreach (var value in row)
                html.Append(IsNumber(value) ? "<td style=\"text-align:right\">" : "<td style=\"text-align:left\">").Append(WebUtility.HtmlEncode(Text(value))).Append("</td>");
            html.Append("</tr>");
        }
        return new HtmlFragment(html.Append("</tbody></table>").Append(CultureInfo.InvariantCulture, $"<p>{Rows.Count:N0} row(s)</p>").ToString());
    }

    private static bool IsNumber(object? value) => value is sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal or System.Numerics.BigInteger;

    private static string Text(object? value) => value switch
    {
        null => "NULL",
        DateTime time => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        DateTimeOffset time => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        double number => number.ToString("0.####", CultureInfo.InvariantCulture),
        float number => number.ToString("0.####", CultureInfo.InvariantCulture),
        decimal number => number.ToString("0.####", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
