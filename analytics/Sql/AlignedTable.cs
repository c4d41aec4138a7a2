using System.Text;

namespace TopUpSpark.Analytics.Sql;

/// <summary>Columns padded to their widest cell, numbers to the right, as a terminal shows them best.</summary>
public static class AlignedTable
{
    public static void Write(TextWriter output, IReadOnlyList<string> header, IReadOnlyList<string[]> rows, IReadOnlyList<bool> rightAligned,
        string separator, bool headerRule)
    {
        var widths = header.Select((name, i) => rows.Select(r => r[i].Length).Prepend(name.Length).Max()).ToArray();
        string Line(IReadOnlyList<string> cells) =>
            string.Join(separator, cells.Select((cell, i) => rightAligned[i] ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]))).TrimEnd();
        var text = new StringBuilder();
        text.AppendLine(Line(header));
        if (headerRule) text.AppendLine(string.Join(separator.Replace(' ', '-'), widths.Select(w => new string('-', w))));
        foreach (var row in rows) text.AppendLine(Line(row));
        output.Write(text.ToString());
    }
}
