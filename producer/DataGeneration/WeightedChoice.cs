namespace TopUpSpark.Producer.DataGeneration;

/// <summary>Draws items with probability proportional to their weights (cumulative table, binary search).</summary>
internal sealed class WeightedChoice<T>
{
    private readonly T[] _items;
    private readonly double[] _cumulative;

    public WeightedChoice(IEnumerable<(T Item, double Weight)> weighted)
    {
        var pairs = weighted.Where(p => p.Weight > 0).ToArray();
        if (pairs.Length == 0) throw new ArgumentException("a weighted choice needs at least one item with a positive weight");
        _items = pairs.Select(p => p.Item).ToArray();
        _cumulative = new double[pairs.Length];
        var total = 0.0;
        for (var i = 0; i < pairs.Length; i++)
        {
            total += pairs[i].Weight;
            _cumulative[i] = total;
        }
    }

    public static WeightedChoice<T> Of(params (T Item, double Weight)[] weighted) => new(weighted);

    public T Pick(SeededRandom random)
    {
        var target = random.NextDouble() * _cumulative[^1];
        // Item i owns [cumulative[i-1], cumulative[i]); an exact hit on a boundary belongs to the next item.
        var index = Array.BinarySearch(_cumulative, target);
        index = index < 0 ? ~index : index + 1;
        return _items[Math.Min(index, _items.Length - 1)];
    }
}
