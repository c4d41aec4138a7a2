namespace TopUpSpark.Core.Schema;

/// <summary>The columns of one input (customer or bureau) in header order, plus its key column.</summary>
public sealed class DatasetSchema
{
    private readonly Dictionary<string, int> _ordinals;

    public DatasetSchema(string name, string keyColumn, IReadOnlyList<ColumnSpec> columns)
    {
        Name = name;
        Columns = columns;
        _ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < columns.Count; i++)
        {
            if (!_ordinals.TryAdd(columns[i].Name, i))
                throw new SchemaException($"dataset '{name}' declares column '{columns[i].Name}' twice");
        }
        if (!_ordinals.TryGetValue(keyColumn, out var keyOrdinal))
            throw new SchemaException($"dataset '{name}': key column '{keyColumn}' is not among its columns");
        KeyColumn = keyColumn;
        KeyOrdinal = keyOrdinal;
    }

    public string Name { get; }
    public string KeyColumn { get; }
    public int KeyOrdinal { get; }
    public IReadOnlyList<ColumnSpec> Columns { get; }
    public IEnumerable<string> ColumnNames => Columns.Select(c => c.Name);

    public int Ordinal(string column) =>
        _ordinals.TryGetValue(column, out var i)
            ? i
            : throw new SchemaException($"dataset '{Name}' has no column '{column}'");

    public bool TryGetOrdinal(string column, out int ordinal) => _ordinals.TryGetValue(column, out ordinal);

    public ColumnSpec this[string column] => Columns[Ordinal(column)];
}
