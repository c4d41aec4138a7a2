namespace TopUpSpark.Streaming.Rows;

/// <summary>Column names and kinds of the rows a plan node produces. Rows are <c>object?[]</c> in this order.</summary>
public sealed class RowSchema
{
    private readonly Dictionary<string, int> _ordinals = new(StringComparer.Ordinal);

    public RowSchema(IEnumerable<(string Name, ColumnKind Kind)> columns)
    {
        var list = columns.ToList();
        Names = list.Select(c => c.Name).ToArray();
        Kinds = list.Select(c => c.Kind).ToArray();
        for (var i = 0; i < Names.Count; i++)
        {
            if (!_ordinals.TryAdd(Names[i], i))
                throw new ArgumentException($"column '{Names[i]}' appears twice");
        }
    }

    public IReadOnlyList<string> Names { get; }
    public IReadOnlyList<ColumnKind> Kinds { get; }
    public int Count => Names.Count;

    public int Ordinal(string name) =>
        _ordinals.TryGetValue(name, out var i)
            ? i
            : throw new ArgumentException($"no column '{name}' among [{string.Join(", ", Names)}]");

    public bool Contains(string name) => _ordinals.ContainsKey(name);

    public ColumnKind KindOf(string name) => Kinds[Ordinal(name)];

    public override string ToString() => string.Join(", ", Names.Select((n, i) => $"{n}: {Kinds[i]}"));
}
