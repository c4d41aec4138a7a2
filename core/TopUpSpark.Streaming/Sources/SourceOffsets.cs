using System.Collections.Immutable;

namespace TopUpSpark.Streaming.Sources;

/// <summary>
/// Next offset to read per partition — a batch reads [start, end) per partition; these are written to
/// the checkpoint before the batch runs so a replay reads exactly the same records.
/// </summary>
public sealed record SourceOffsets(ImmutableSortedDictionary<int, long> Next)
{
    public static readonly SourceOffsets Empty = new(ImmutableSortedDictionary<int, long>.Empty);

    public long this[int partition] => Next.TryGetValue(partition, out var o) ? o : 0;

    /// <summary>Records between this position and a later one.</summary>
    public long CountUntil(SourceOffsets end) =>
        end.Next.Sum(p => Math.Max(0, p.Value - (Next.TryGetValue(p.Key, out var s) ? s : 0)));

    public bool IsBefore(SourceOffsets other) => CountUntil(other) > 0;

    /// <summary>The same offset for the same partitions.</summary>
    public bool SamePositionAs(SourceOffsets other) => Next.SequenceEqual(other.Next);

    public override string ToString() => "{" + string.Join(", ", Next.Select(p => $"{p.Key}: {p.Value}")) + "}";
}
