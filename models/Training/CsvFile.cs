using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace TopUpSpark.Models.Training;

/// <summary>
/// Reads a headered CSV record by record as raw strings (RFC 4180 quoting, so "1,20,000" stays one field).
/// A record whose field count differs from the header's is reported, not parsed.
/// </summary>
internal sealed class CsvFile : IDisposable
{
    private readonly StreamReader _reader;
    private readonly CsvParser _parser;
    private readonly Dictionary<string, int> _ordinals;

    private CsvFile(string path)
    {
        Path = path;
        _reader = new StreamReader(path);
        _parser = new CsvParser(_reader, new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            BadDataFound = _ => BadDataCount++,
            DetectColumnCountChanges = false,
        });
        if (!_parser.Read() || _parser.Record is null)
            throw new InvalidDataException($"{path}: empty file (a header row is expected)");
        Header = _parser.Record;
        _ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Header.Length; i++) _ordinals.TryAdd(Header[i], i);
    }

    public string Path { get; }
    public string[] Header { get; }

    /// <summary>Fields with stray quotes that CsvHelper had to read leniently.</summary>
    public long BadDataCount { get; private set; }

    /// <summary>1-based line number of the record last read (the header is line 1).</summary>
    public long LineNumber => _parser.RawRow;

    public static CsvFile Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"CSV file not found: {path}", path);
        return new CsvFile(path);
    }

    /// <summary>The column's ordinal, or -1 when the header lacks it.</summary>
    public int Ordinal(string column) => _ordinals.TryGetValue(column, out var i) ? i : -1;

    /// <summary>The ordinals of <paramref name="columns"/>; fails naming every missing one.</summary>
    public int[] RequireColumns(IEnumerable<string> columns)
    {
        var list = columns.ToList();
        var missing = list.Where(c => Ordinal(c) < 0).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{Path}: missing column(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} (header: {string.Join(", ", Header)})");
        return list.Select(Ordinal).ToArray();
    }

    /// <summary>The next record, or null at the end. <paramref name="wellFormed"/> is false when its field count is off.</summary>
    public string[]? Read(out bool wellFormed)
    {
        if (!_parser.Read())
        {
            wellFormed = false;
            return null;
        }
        var record = _parser.Record!;
        wellFormed = record.Length == Header.Length;
        return record;
    }

    public void Dispose()
    {
        _parser.Dispose();
        _reader.Dispose();
    }
}
