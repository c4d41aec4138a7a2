using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace TopUpSpark.Bench;

/// <summary>
/// The real <c>topup-job</c> program run as its own process, so its time and memory are its own and not
/// the benchmark's (which also hosts the embedded broker).
/// </summary>
public sealed partial class JobProcess : IDisposable
{
    private readonly Process _process;
    private readonly PeakMemoryWatch _memory;

    private JobProcess(Process process)
    {
        _process = process;
        _memory = new PeakMemoryWatch(process.Id);
    }

    /// <summary>What the job's resident memory was made of when it was highest (sampled; see <see cref="PeakMemoryWatch"/>).</summary>
    public MemorySample? HighestMemory => _memory.Highest;

    public static JobProcess Start(BenchContext context, string logFile, params string[] arguments) =>
        Start(context, logFile, new Dictionary<string, string>(), arguments);

    /// <summary>Starts the job with extra environment variables (e.g. .NET GC settings).</summary>
    public static JobProcess Start(BenchContext context, string logFile, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        // Where scripts/lib.sh's publish_program put it.
        var publishRoot = Environment.GetEnvironmentVariable("TOPUP_PUBLISH_DIR") is { Length: > 0 } folder
            ? folder
            : Path.Combine(context.RepositoryRoot, "artifacts", "publish");
        var dll = Path.Combine(publishRoot, "spark-job", "topup-job.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("publish the job first, as spark-submit.sh does (scripts/bench.sh does)", dll);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) info.Environment[name] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the job");
        var log = new StreamWriter(logFile) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.Exited += (_, _) => { lock (log) log.Dispose(); };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new JobProcess(process);
    }

    public async Task<int> WaitAsync(TimeSpan timeout, CancellationToken cancel)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        limit.CancelAfter(timeout);
        await _process.WaitForExitAsync(limit.Token);
        return _process.ExitCode;
    }

    /// <summary>Asks the job to stop as Ctrl-C would (SIGTERM), so it finishes its batch and writes its summary.</summary>
    public void Stop()
    {
        if (!_process.HasExited) _ = SendSignal(_process.Id, 15);
    }

    public static T ReadJson<T>(string file) =>
        JsonSerializer.Deserialize<T>(File.ReadAllText(file), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
        ?? throw new InvalidDataException($"{file} is empty");

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _memory.Dispose();
        _process.Dispose();
    }
}
