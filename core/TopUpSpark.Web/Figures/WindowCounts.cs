using TopUpSpark.Core.Messages;
using TopUpSpark.Web.Map;

namespace TopUpSpark.Web.Figures;

/// <summary>Predicted top-ups of one map region, and the data's names that were counted for it.</summary>
public sealed record RegionCount(string Region, long Count, IReadOnlyList<string> DataNames)
{
    /// <summary>The data's names for display: a message with endless spellings of one state must not flood the page.</summary>
    public string DataNamesText(int shown = 5) =>
        DataNames.Count <= shown
            ? string.Join(", ", DataNames)
            : $"{string.Join(", ", DataNames.Take(shown))} and {DataNames.Count - shown} more";
}

/// <summary>A data state name that matches no region of the map: shown and counted, never dropped.</summary>
public sealed record UnmatchedState(string Name, long Count);

/// <summary>The counts of one window, as shown on the map.</summary>
public sealed record WindowCounts(
    DateTimeOffset WindowEnd,
    IReadOnlyList<RegionCount> Regions,
    IReadOnlyList<UnmatchedState> Unmatched,
    int Messages)
{
    /// <summary>How many unmatched names the page and the terminal list; the rest are counted ("and N more") and logged.</summary>
    public const int UnmatchedShown = 50;

    /// <summary>
    /// Summed once, checked (LINQ's Sum is): an overflow surfaces while the message is processed, never
    /// later while the page or the terminal table is drawn.
    /// </summary>
    public long Total { get; } = checked(Regions.Sum(r => r.Count) + Unmatched.Sum(u => u.Count));

    /// <summary>Sums the message's counts per map region; names that match no region stay under their own name.</summary>
    public static WindowCounts FromMessage(StateCountsMessage message, StateAliasTable aliases)
    {
        var regions = new Dictionary<string, (long Count, SortedSet<string> Names)>(StringComparer.Ordinal);
        var unmatched = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, count) in message.Counts)
        {
            if (aliases.Resolve(name) is { } region)
            {
                var entry = regions.GetValueOrDefault(region, (0, new SortedSet<string>(StringComparer.Ordinal)));
                entry.Names.Add(name);
                regions[region] = (checked(entry.Count + count), entry.Names);
            }
            else
            {
                unmatched[name] = checked(unmatched.GetValueOrDefault(name) + count);
            }
        }
        return new WindowCounts(
            message.WindowEnd,
            regions.Select(r => new RegionCount(r.Key, r.Value.Count, r.Value.Names.ToList()))
                .OrderByDescending(r => r.Count).ThenBy(r => r.Region, StringComparer.Ordinal).ToList(),
            unmatched.Select(u => new UnmatchedState(u.Key, u.Value))
                .OrderByDescending(u => u.Count).ThenBy(u => u.Name, StringComparer.Ordinal).ToList(),
            Messages: 1);
    }

    /// <summary>
    /// Adds a later message for the same window end (a micro-batch can add rows to a window that an
    /// earlier one already reported; in append mode each message carries only the new rows).
    /// </summary>
    public WindowCounts Merge(WindowCounts later)
    {
        if (later.WindowEnd != WindowEnd) throw new ArgumentException("only counts of the same window merge", nameof(later));
        var regions = Regions.Concat(later.Regions)
            .GroupBy(r => r.Region, StringComparer.Ordinal)
            .Select(g => new RegionCount(g.Key, g.Sum(r => r.Count), g.SelectMany(r => r.DataNames).Distinct(StringComparer.Ordinal).ToList()))
            .OrderByDescending(r => r.Count).ThenBy(r => r.Region, StringComparer.Ordinal)
            .ToList();
        var unmatched = Unmatched.Concat(later.Unmatched)
            .GroupBy(u => u.Name, StringComparer.Ordinal)
            .Select(g => new UnmatchedState(g.Key, g.Sum(u => u.Count)))
            .OrderByDescending(u => u.Count).ThenBy(u => u.Name, StringComparer.Ordinal)
            .ToList();
        return new WindowCounts(WindowEnd, regions, unmatched, Messages + later.Messages);
    }
}

/// <summary>One point of the history chart, and the largest count of one region of the map in that window.</summary>
public sealed record WindowTotal(DateTimeOffset WindowEnd, long Total, long LargestRegionCount);
