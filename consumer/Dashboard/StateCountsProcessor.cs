using System.Text;
using System.Text.Unicode;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Cli;
using TopUpSpark.Core.Messages;
using TopUpSpark.Web.Figures;
using TopUpSpark.Web.Map;

namespace TopUpSpark.Consumer.Dashboard;

/// <summary>
/// Turns one message of <c>topup-by-state</c> into dashboard state: decodes it with the shared contract
/// (<see cref="StateCountsMessage"/>), maps the data's state names to the map's regions, and logs what
/// happened. A message that breaks the contract, ends too far ahead of the clock, or has counts the page
/// cannot show exactly (<see cref="CountLimit"/>) is rejected with its reason and counted; a state name
/// that matches no region is kept (shown as unmatched and counted in the total), never dropped. A batch
/// part (<see cref="BatchPart"/> headers) already applied to its window is ignored and counted as a repeat.
/// Messages of the job's progress topic add its late rows dropped and dead letters (<see cref="ProcessBatchHealth"/>).
/// </summary>
/// <param name="maxWindowAhead">How far past <paramref name="time"/>'s now a window may end; later ones are rejected.</param>
public sealed class StateCountsProcessor(DashboardState state, StateAliasTable aliases, TimeSpan maxWindowAhead, ILogger logger, TimeProvider time)
{
    /// <summary>How much of a rejection's reason is logged and shown.</summary>
    public const int ReasonLength = 300;

    private const int UnmatchedLoggedPerMessage = 10;

    private readonly HashSet<string> _reportedUnmatched = new(StringComparer.Ordinal);
    private readonly AppliedParts _appliedParts = new(state.Current.HistoryCapacity);

    /// <param name="key">The message's key as it came, UTF-8 text if the producer kept the contract.</param>
    /// <param name="headers">The message's Kafka headers: a TopUpSpark job names its <see cref="BatchPart"/> there.</param>
    /// <param name="source">Where the message came from, for logs and the page, e.g. <c>topup-by-state[2]@15</c>.</param>
    /// <returns>
    /// True when the message was accepted; false when it was rejected, or ignored as a repeat of a batch part
    /// already applied. Whatever the message holds, nothing is thrown.
    /// </returns>
    public bool Process(byte[]? key, ReadOnlySpan<byte> value, Headers? headers, string source)
    {
        var now = time.GetUtcNow();
        try
        {
            return Apply(key, value, headers, source, now);
        }
        catch (Exception e)
        {
            // Whatever a message holds, the dashboard goes on: a case the contract did not foresee (or a bug
            // it reveals) rejects that message. The stack trace is code, never data, so it is logged whole.
            logger.LogError("processing message {Source} failed with {Exception}{StackTrace}", source, e.GetType().Name, Environment.NewLine + e.StackTrace);
            return Reject(key, value, source, $"{e.GetType().Name} while processing it: {e.Message}", now);
        }
    }

    /// <summary>
    /// A message of the job's progress topic (<see cref="BatchHealthMessage"/>): its late rows dropped, dead letters
    /// and more are added to the job's figures on the page; a message that breaks the contract is rejected with its reason.
    /// </summary>
    /// <returns>True when the message was accepted; false when it was rejected or repeated a batch. Nothing is thrown.</returns>
    public bool ProcessBatchHealth(byte[]? key, ReadOnlySpan<byte> value, string source)
    {
        var now = time.GetUtcNow();
        if (key is not null && !Utf8.IsValid(key))
            return Reject(key, value, source, "key is not UTF-8 text", now);
        if (!BatchHealthMessage.TryDecode(key is null ? null : Encoding.UTF8.GetString(key), value, out var batch, out var error))
            return Reject(key, value, source, error!, now);
        if (!state.ApplyBatchHealth(batch!, now))
        {
            logger.LogInformation("ignored the repeated health of batch {Batch} of query {Query} tasks {Tasks} from {Source}",
                batch!.BatchId, batch.QueryName, string.Join(',', batch.Tasks), source);
            return false;
        }
        if (batch!.LateRowsDropped > 0 || batch.DeadLetters > 0)
            logger.LogInformation("job {Instance} batch {Batch}: {Late} late rows dropped, {DeadLetters} dead letters",
                Printable.Text(batch.Instance), batch.BatchId, batch.LateRowsDropped, batch.DeadLetters);
        return true;
    }

    private bool Apply(byte[]? key, ReadOnlySpan<byte> value, Headers? headers, string source, DateTimeOffset now)
    {
        if (key is not null && !Utf8.IsValid(key))
            return Reject(key, value, source, "key is not UTF-8 text", now);
        if (!StateCountsMessage.TryDecode(key is null ? null : Encoding.UTF8.GetString(key), value, out var message, out var error))
            return Reject(key, value, source, error!, now);
        var part = BatchPart.TryRead(headers, out var headerError);
        if (headerError is not null)
            return Reject(key, value, source, headerError, now);
        // Subtracted, not added to now: any two window ends differ by less than TimeSpan.MaxValue.
        if (message!.WindowEnd - now > maxWindowAhead)
            return Reject(key, value, source,
                $"window end {message.Key} is more than {Duration.Format(maxWindowAhead)} (--max-window-ahead) ahead of the dashboard's clock, {StateCountsMessage.FormatKey(now)} UTC", now);
        if (CountLimit.Check(message) is { } impossible)
            return Reject(key, value, source, impossible, now);
        // Messages of producers that name no batch part are applied as they come.
        IReadOnlySet<int> appliedBefore = part is null ? new HashSet<int>() : _appliedParts.AppliedBefore(part, message.WindowEnd);
        if (part is not null && appliedBefore.SetEquals(part.Tasks))
        {
            logger.LogInformation("ignored window {WindowEnd} from {Source}: it repeats {Part}, whose tasks were all counted in this window already (a batch replayed after a crash)",
                message.Key, source, Printable.Text(part.ToString()));
            state.IgnoreRepeat(now);
            return false;
        }

        var counts = WindowCounts.FromMessage(message, aliases);
        if (!state.TryApplyWindow(counts, now, out var outcome, out var beyondLimit))
            return Reject(key, value, source, beyondLimit, now);

        if (part is not null)
        {
            _appliedParts.Record(part, message.WindowEnd);
            if (appliedBefore.Count > 0)
                logger.LogWarning(
                    "tasks {Tasks} of window {WindowEnd} may be counted twice: {Part} from {Source} repeats them with tasks not counted before, so it was applied " +
                    "(only two crashes within one publish lead here)",
                    Printable.Text(string.Join(',', appliedBefore.Order())), message.Key, Printable.Text(part.ToString()), source);
        }
        LogUnmatched(counts, message.Key);
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

    /// <summary>Logs and shows the reason cut to <see cref="ReasonLength"/>: a reason can quote the message, which can be megabytes.</summary>
    private bool Reject(byte[]? key, ReadOnlySpan<byte> value, string source, string reason, DateTimeOffset now)
    {
        var shownReason = Printable.Text(reason, ReasonLength);
        logger.LogWarning("rejected message {Source} with key {Key}: {Reason}; value: {Value}",
            source, key is null ? Printable.Text(null) : Printable.Bytes(key), shownReason, Printable.Bytes(value));
        state.Reject(new RejectedMessage(now, source, shownReason));
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
}
