using Parquet;
using Parquet.Schema;

namespace TopUpSpark.TestSupport;

/// <summary>Reads every parquet file of a sink folder back as rows of column name → value.</summary>
public static class ParquetRows
{
    /// <summary>The folder's rows as sorted text, one line a row, to compare outputs as multisets.</summary>
    public static List<string> Canonical(string folder) =>
        ReadFolder(folder).Select(r => string.Join("|", r.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"))).Order(StringComparer.Ordinal).ToList();

    public static List<Dictionary<string, object?>> ReadFolder(string folder)
    {
        var rows = new List<Dictionary<string, object?>>();
        if (!Directory.Exists(folder)) return rows;
        foreach (var file in Directory.GetFiles(folder, "*.parquet").Order())
            rows.AddRange(ReadFile(file).GetAwaiter().GetResult());
        return rows;
    }

    private static async Task<List<Dictionary<string, object?>>> ReadFile(string path)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        var rows = new List<Dictionary<string, object?>>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var count = (int)group.RowCount;
            var columns = new Dictionary<string, object?[]>();
            foreach (var field in reader.Schema.GetDataFields())
                columns[field.Name] = await ReadColumn(group, field, count);
            for (var i = 0; i < count; i++)
                rows.Add(columns.ToDictionary(c => c.Key, c => c.Value[i]));
        }
        return rows;
    }

    private static async Task<object?[]> ReadColumn(ParquetRowGroupReader group, DataField field, int count)
    {
        if (field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>))
        {
            var values = new string?[count];
            await group.ReadAsync(field, values.AsMemory());
            return values;
        }
        if (field.ClrType == typeof(double))
        {
            var values = new double?[count];
            await group.ReadAsync<double>(field, values.AsMemory());
            return values.Select(v => (object?)v).ToArray();
        }
        if (field.ClrType == typeof(DateTime))
        {
            var values = new DateTime?[count];
            await group.ReadAsync<DateTime>(field, values.AsMemory());
            return values.Select(v => v is { } t ? (object?)new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null).ToArray();
        }
        throw new NotSupportedException($"column {field.Name} of type {field.ClrType}");
    }
}
