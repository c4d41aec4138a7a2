using System.Diagnostics;
using System.Runtime.InteropServices;

namespace TopUpSpark.TestSupport;

/// <summary>
/// One of the project's programs (as the solution build left it under <c>&lt;project&gt;/bin/Release</c>)
/// run as an operating-system process, the way users run it: its output is kept (in memory and in a log
/// file), it can be waited for, stopped with SIGTERM, frozen with SIGSTOP or killed with SIGKILL.
/// </summary>
public sealed partial class ProgramProcess : IDisposable
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigStop = 19;
    public const int SigCont = 18;

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly StreamWriter _log;
    private TaskCompletionSource _newLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ProgramProcess(Process process, string logFile)
    {
        _process = process;
        LogFile = logFile;
        _log = new StreamWriter(logFile) { AutoFlush = true };
    }

    public string LogFile { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>The built program's assembly, e.g. <c>Dll("spark-job", "topup-job")</c>.</summary>
    public static string Dll(string project, string assembly)
    {
        var dll = System.IO.Path.Combine(RepositoryRoot.Path, project, "bin", "Release", "net10.0", assembly + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the solution first (Release): {dll} is missing", dll);
    }

    public static ProgramProcess Start(string dll, string logFile, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        var process = new Process { StartInfo = info };
        var program = new ProgramProcess(process, logFile);
        process.OutputDataReceived += (_, e) => program.Add(e.Data);
        process.ErrorDataReceived += (_, e) => program.Add(e.Data);
        if (!process.Start()) throw new InvalidOperationException($"could not start {dll}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return program;
    }

    private void Add(string? line)
    {
        if (line is null) return;
        TaskCompletionSource woken;
        lock (_lines)
        {
            _lines.Add(line);
            _log.WriteLine(line);
            woken = _newLine;
            _newLine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        woken.SetResult();
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines) return _lines.ToList();
        }
    }

    public string Output => string.Join('\n', Lines);

    /// <summary>The first output line that matches, waiting up to <paramref name="timeout"/> for it; fails with the output so far.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> matches, TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        while (true)
        {
            Task next;
            lock (_lines)
            {
                if (_lines.FirstOrDefault(matches) is { } line) return line;
                next = _newLine.Task;
            }
            if (_process.HasExited && next.IsCompleted is false)
            {
                await Task.Delay(200); // the last lines may still be on their way
                lock (_lines)
                    if (_lines.FirstOrDefault(matches) is { } late) return late;
                throw new InvalidOperationException($"the program exited ({_process.ExitCode}) without the awaited line; its output:\n{Output}");
            }
            try
            {
                await next.WaitAsync(TimeSpan.FromSeconds(1), limit.Token);
            }
            catch (TimeoutException)
            {
                // Look at the process again.
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no awaited line within {timeout.TotalSeconds:0} s; the output so far:\n{Output}");
            }
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the program did not exit within {timeout.TotalSeconds:0} s; its output:\n{Output}");
        }
        return _process.ExitCode;
    }

    public void Signal(int signal)
    {
        if (!_process.HasExited && SendSignal(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Signals every process of the group <paramref name="leader"/> leads, as a terminal's Ctrl-C (SIGINT) does its foreground job.</summary>
    public static void SignalGroup(int leader, int signal)
    {
        if (SendSignal(-leader, signal) != 0)
            throw new InvalidOperationException($"kill(-{leader}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            // A frozen process ignores everything but SIGKILL.
            _ = SendSignal(_process.Id, SigKill);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        lock (_lines) _log.Dispose();
    }
}
