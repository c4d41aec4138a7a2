using System.Globalization;
using System.Text;
using TopUpSpark.Consumer.Dashboard;
using TopUpSpark.Core.Messages;
using TopUpSpark.Web.Figures;

namespace TopUpSpark.Consumer.Text;

/// <summary>
/// <c>--text</c>: the dashboard as a plain-text table for terminals, printed again after every message
/// read. On a terminal the screen is cleared first; redirected, the tables follow one another. Names
/// from data pass through <see cref="Printable"/>, so they cannot send control sequences to the terminal.
/// </summary>
public sealed class TextDashboard(TextWriter output, bool clearScreen)
{
    private const string ClearScreen = "\u001b[H\u001b[2J";

    public async Task RunAsync(DashboardState state, CancellationToken cancel)
    {
        await foreach (var snapshot in state.DataChangesAsync(cancel))
        {
            await output.WriteAsync((clearScreen ? ClearScreen : "") + Render(snapshot));
            await output.FlushAsync(cancel);
        }
    }

    public static string Render(DashboardSnapshot snapshot)
    {
        var text = new StringBuilder();
        var status = snapshot.Status;
        text.AppendLine(CultureInfo.InvariantCulture, $"TopUpSpark · predicted top-ups by state · topic {Printable.Text(status.Topic)}");
        if (snapshot.Window is not { } window)
        {
            text.AppendLine("Waiting for the first window…");
        }
        else
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Window ending {StateCountsMessage.FormatKey(window.WindowEnd)} UTC · total {window.Total:N0} · {window.Regions.Count} states · {window.Messages} message(s)");
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"  {"State",-28} {"Top-ups",8} {"Share",6}  In the data as");
            foreach (var region in window.Regions)
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  {Printable.Text(region.Region, 28),-28} {region.Count,8:N0} {Share(region.Count, window.Total),6}  {Printable.Text(region.DataNamesText(), 60)}");
            foreach (var unmatched in window.Unmatched.Take(WindowCounts.UnmatchedShown))
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  {"? " + Printable.Text(unmatched.Name, 26),-28} {unmatched.Count,8:N0} {Share(unmatched.Count, window.Total),6}  not on the map (add an alias)");
            if (window.Unmatched.Count > WindowCounts.UnmatchedShown)
                text.AppendLine(CultureInfo.InvariantCulture, $"  … and {window.Unmatched.Count - WindowCounts.UnmatchedShown:N0} more names not on the map (see the log)");
        }
        text.AppendLine();
        var lag = status.Lag is { } messages ? messages.ToString("N0", CultureInfo.InvariantCulture) : "unknown";
        var lastMessage = status.LastMessageAt is { } last ? StateCountsMessage.FormatKey(last) + " UTC" : "none yet";
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Kafka {(status.Connected ? "connected" : "NOT connected")} · lag {lag} · last message {lastMessage} · {status.MessagesAccepted:N0} accepted, {status.MessagesRejected:N0} rejected · {status.LateWindows:N0} late windows · {status.RepeatedPartsIgnored:N0} repeated parts ignored · {status.LostMessages:N0} messages lost");
        text.AppendLine(JobLine(status.Job));
        foreach (var rejection in status.RecentRejections.Take(3))
            text.AppendLine(CultureInfo.InvariantCulture, $"  rejected {Printable.Text(rejection.Source)}: {Printable.Text(rejection.Reason, 160)}");
        if (snapshot.History.Count > 0)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Per window (last {snapshot.HistoryCapacity}): {string.Join(" · ", snapshot.History.TakeLast(8).Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.WindowEnd.UtcDateTime:HH:mm:ss} {h.Total:N0}")))}");
        return text.ToString();
    }

    /// <summary>What the job did not turn into predictions, as the web page's Job card: "none" only when its instances said so.</summary>
    private static string JobLine(JobHealth job)
    {
        if (job.Batches == 0) return "Job: no batch reported yet on its progress topic";
        var last = job.LastBatchAt is { } at ? $", last {StateCountsMessage.FormatKey(at)} UTC" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"Job: {job.Batches:N0} batch{(job.Batches == 1 ? "" : "es")} from {job.Instances} instance{(job.Instances == 1 ? "" : "s")}{last} · {job.InputRows:N0} rows read · " +
            $"late rows dropped {Count(job.LateRowsDropped)} · dead letters {Count(job.DeadLetters)} · invalid values {Count(job.InvalidValues)} · records lost {Count(job.LostRecords)}");
    }

    private static string Count(long count) => count > 0 ? count.ToString("N0", CultureInfo.InvariantCulture) : "none";

    private static string Share(long count, long total) =>
        total > 0 ? (100.0 * count / total).ToString("0", CultureInfo.InvariantCulture) + "%" : "";
}
