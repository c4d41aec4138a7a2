using System.Globalization;
using System.Text;
using TopUpSpark.Consumer.Dashboard;
using TopUpSpark.Core.Messages;
using TopUpSpark.Core.Cli;

namespace TopUpSpark.Consumer.Streams;

/// <summary>
/// <c>counts --text</c>: the stream counts as a table, printed whenever a bucket closes: each series'
/// records in that bucket (with the late ones), in the last window and in all. Names from data pass through
/// <see cref="Printable"/>.
/// </summary>
public sealed class StreamCountsText(TextWriter output)
{
    public async Task RunAsync(StreamCounter counter, CancellationToken cancel)
    {
        var seen = long.MinValue;
        DateTimeOffset? printedBucket = null;
        while (await counter.NextAsync(seen, null, cancel) is { } snapshot)
        {
            seen = snapshot.Version;
            var current = snapshot.BucketStarts[^1];
            if (printedBucket == current) continue;
            if (printedBucket is not null)
            {
                await output.WriteAsync(Render(snapshot));
                await output.FlushAsync(cancel);
            }
            printedBucket = current;
        }
    }

    /// <summary>The table of the bucket that closed last (the one before the current).</summary>
    public static string Render(StreamCountsSnapshot snapshot)
    {
        var options = snapshot.Options;
        var closed = snapshot.BucketStarts.Count - 2;
        var text = new StringBuilder();
        var bucketText = closed >= 0 ? snapshot.BucketStarts[closed].UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC" : "(none closed yet)";
        text.AppendLine(CultureInfo.InvariantCulture,
            $"bucket {bucketText} (+{Duration.Format(options.Bucket)}) · window {Duration.Format(options.Window)} · processing time");
        text.AppendLine(CultureInfo.InvariantCulture, $"  {"stream",-40} {"bucket",9} {"late",7} {"window",9} {"late",7} {"total",11}");
        foreach (var series in snapshot.Series)
        {
            var records = closed >= 0 ? series.Records[closed] : 0;
            var late = closed >= 0 ? series.Late[closed] : 0;
            var inWindow = closed >= 0 ? series.InWindow[closed] : 0;
            var lateInWindow = series.Late.Take(closed + 1).TakeLast(options.BucketsPerWindow).Sum();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {Printable.Text(series.Name, 40),-40} {records,9:N0} {LateMark(late),7} {inWindow,9:N0} {LateMark(lateInWindow),7} {series.Total,11:N0}");
        }
        var status = snapshot.Status;
        text.AppendLine(CultureInfo.InvariantCulture,
            $"  Kafka {(status.Connection.Connected ? "connected" : "NOT connected")} · {status.Messages:N0} read · {status.Unreadable:N0} unreadable · {status.LostMessages:N0} lost");
        foreach (var unreadable in status.RecentUnreadable.Take(3))
            text.AppendLine(CultureInfo.InvariantCulture, $"  unreadable {Printable.Text(unreadable.Source)}: {Printable.Text(unreadable.Reason, 160)}");
        // A blank line between one bucket's table and the next.
        text.AppendLine();
        return text.ToString();
    }

    private static string LateMark(long late) => late > 0 ? string.Create(CultureInfo.InvariantCulture, $"{late:N0}×") : "0";
}
