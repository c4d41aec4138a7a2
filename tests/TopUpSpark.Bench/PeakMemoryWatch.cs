using System.Text.Json.Nodes;

namespace TopUpSpark.Bench;

/// <summary>
/// A process's resident memory by kind, from Linux's <c>/proc/PID/status</c>: anonymous pages (the GC's heap,
/// native allocations such as librdkafka's), pages of mapped files (the runtime, precompiled libraries, native
/// libraries) and shared memory (on .NET, what the runtime's executable allocator maps from a memfd for W^X: the
/// JIT's code and stubs, and mostly the writable pages beside them).
/// </summary>
public sealed record MemorySample(long RssKiB, long AnonymousKiB, long FilesKiB, long SharedKiB)
{
    public static MemorySample? Read(int processId)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{processId}/status");
        }
        catch (IOException)
        {
            return null; // the process has exited
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        long Field(string name) =>
            lines.FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal)) is { } line
                ? long.Parse(line[(name.Length + 1)..].Trim().Split(' ')[0])
                : 0;
        var rss = Field("VmRSS");
        return rss == 0 ? null : new MemorySample(rss, Field("RssAnon"), Field("RssFile"), Field("RssShmem"));
    }

    public JsonObject ToJson() => new()
    {
        ["rss_mib"] = MiB(RssKiB),
        ["anonymous_mib"] = MiB(AnonymousKiB),
        ["mapped_files_mib"] = MiB(FilesKiB),
        ["shared_memory_mib"] = MiB(SharedKiB),
    };

    private static double MiB(long kib) => Math.Round(kib / 1024.0, 1);
}

/// <summary>
/// Samples a process's memory every <see cref="Interval"/> until it exits and keeps the sample with the most resident
/// memory: what the peak RSS is made of. The kernel's own peak (VmHWM) may fall between two samples.
/// </summary>
public sealed class PeakMemoryWatch : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private MemorySample? _highest;

    public PeakMemoryWatch(int processId) => _sampling = Task.Run(() => Sample(processId, _stop.Token));

    /// <summary>The sample with the most resident memory so far; null before the first.</summary>
    public MemorySample? Highest => Volatile.Read(ref _highest);

    private async Task Sample(int processId, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            if (MemorySample.Read(processId) is { } sample && sample.RssKiB > (_highest?.RssKiB ?? 0))
                Volatile.Write(ref _highest, sample);
        } while (await WaitForTick(timer, stop));
    }

    private static async Task<bool> WaitForTick(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _sampling.Wait();
        _stop.Dispose();
    }
}
