using Microsoft.Extensions.Logging;
using TopUpSpark.Consumer.Dashboard;

namespace TopUpSpark.Consumer.Web;

/// <summary>
/// <c>--html FILE</c>: rewrites a self-contained snapshot of the dashboard after every message read
/// (and once at start), atomically, so a browser or a file share never sees a half-written page.
/// </summary>
public sealed class HtmlSnapshotWriter(string path, DashboardPayload payload, ILogger logger)
{
    public string FullPath { get; } = Path.GetFullPath(path);

    public async Task RunAsync(DashboardState state, CancellationToken cancel)
    {
        await foreach (var snapshot in state.DataChangesAsync(cancel))
            await WriteAsync(snapshot);
    }

    public async Task WriteAsync(DashboardSnapshot snapshot)
    {
        var temporary = FullPath + ".tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FullPath)!);
            // A stop lets a started write finish (a local file, milliseconds): cancelled halfway it would end the run with an exception.
            await File.WriteAllTextAsync(temporary, DashboardPage.Snapshot(payload.For(snapshot)), CancellationToken.None);
            File.Move(temporary, FullPath, overwrite: true);
            logger.LogDebug("wrote the dashboard snapshot {Path}", FullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogError("could not write the dashboard snapshot {Path}: {Reason}", FullPath, e.Message);
        }
    }
}
