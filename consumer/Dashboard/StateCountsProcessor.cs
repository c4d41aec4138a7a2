using Microsoft.Extensions.Logging;
using TopUpSpark.Consumer.Map;
using TopUpSpark.Core.Messages;

namespace TopUpSpark.Consumer.Dashboard;

/// <summary>
/// Turns one message of <c>topup-by-state</c> into dashboard state: decodes it with the shared contract
/// (<see cref="StateCountsMessage"/>), maps the data's state names to the map's regions, and logs what
/// happened. A message that breaks the contract, or whose counts the page cannot show exactly
/// (<see cref="CountLimit"/>), is rejected with its reason and counted; a state name
/// that matches no region is kept (shown as unmatched and counted in the total), never dropped.
/// </summary>
public sealed class StateCountsProcessor(DashboardState state, StateAliasTable aliases, ILogger logger, TimeProvider time)
{
    private const int UnmatchedLoggedPerMessage = 10;

    private readonly HashSet<string> _reportedUnmatched = new(StringComparer.Ordinal);

    /// <param name="source">Where the message came from, for logs and the page, e.g. <c>topup-by-state[2]@15</c>.</param>
    /// <returns>True when the message was accepted.</returns>
    public bool Process(string? key, ReadOnlySpan<byte> value, string source)
    {
        var now = time.GetUtcNow();
        if (!StateCountsMessage.TryDecode(key, value, out var message, out var error))
            return Reject(key, value, source, error!, now);
        if (CountLimit.Check(message!) is { } impossible)
            return Reject(key, value, source, impossible, now);

        var counts = ToRegions(message!, aliases);
        if (!state.TryApplyWindow(counts, now, out var outcome, out var beyondLimit))
            return Reject(key, value, source, beyondLimit, now);

        LogUnmatched(counts, message!.Key);
        switch (outcome)
        {
            case WindowOutcome.Late:
                logger.LogInformation(
                    "late window {WindowEnd} ({Total} top-ups) from {Source} is older than the window on the map ({Shown}): abandoned for the map, kept in the history",
                    message.Key, counts.Total, source, StateCountsMessage.FormatKey(state.Current.Window!.WindowEnd));
                break;
            default:
                logger.LogInformation("window {WindowEnd}: {Total} predicted top-ups in {Regions} regions ({Outcome}) from {Source}",
                    message.Key, counts.Total, counts.Regions.Count, outcome == WindowOutcome.Merged ? "added to the window on the map" : "now on the map", source);
                break;
        }
        return true;
    }

    private bool Reject(string? key, ReadOnlySpan<byte> value, string source, string reason, DateTimeOffset now)
    {
        logger.LogWarning("rejected message {Source} with key {Key}: {Reason}; value: {Value}",
            source, Printable.Text(key), Printable.Text(reason), Printable.Bytes(value));
        state.Reject(new RejectedMessage(now, source, reason));
        return false;
    }

    private void LogUnmatched(WindowCounts counts, string windowEnd)
    {
        var newNames = counts.Unmatched.Where(u => _reportedUnmatched.Add(u.Name)).ToList();
        foreach (var unmatched in newNames.Take(UnmatchedLoggedPerMessage))
            logger.LogWarning(
                "state {State} (count {Count}) in window {WindowEnd} matches no region of the map; it is listed as unmatched on the page " +
                "and counted in the total. Add it to the state alias file if it is a known state",
                Printable.Text(unmatched.Name), unmatched.Count, windowEnd);
        if (newNames.Count > UnmatchedLoggedPerMessage)
            logger.LogWarning("… and {More} more state names in window {WindowEnd} that match no region of the map",
                newNames.Count - UnmatchedLoggedPerMessage, windowEnd);
    }

    /// <summary>Sums the message's counts per map region; names that match no region stay under their own name.</summary>
    public static WindowCounts ToRegions(StateCountsMessage message, StateAliasTable aliases)
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
}
