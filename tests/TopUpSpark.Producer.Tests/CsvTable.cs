using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace TopUpSpark.Producer.Tests;

/// <summary>A CSV file read back whole, values as written.</summary>
internal sealed class CsvTable
{
    private readonly Dictionary<string, int> _ordinals;

    private CsvTable(string[] headers, List<string[]> rows)
    {
        Headers = headers;
        Rows = rows;
        _ordinals = headers.Select((h, i) => (h, i)).ToDictionary(p => p.h, p => p.i, StringComparer.Ordinal);
    }

    public string[] Headers { get; }
    public List<string[]> Rows { get; }

    public IEnumerable<string> Column(string name) => Rows.Select(r => r[_ordinals[name]]);

    public string Value(string[] row, string column) => row[_ordinals[column]];

    public static CsvTable Read(string path)
    {
        using var reader = new StreamReader(path);
        using var parser = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture));
        parser.Read();
        var headers = parser.Record!;
        var rows = new List<string[]>();
        while (parser.Read()) rows.Add(parser.Record!);
        return new CsvTable(headers, rows);
    }
}
