using System.CommandLine;
using System.Runtime.InteropServices;

namespace TopUpSpark.Core.Cli;

/// <summary>
/// Runs a program's root command with one shutdown token that Ctrl-C and SIGTERM cancel, so every
/// long-running program stops the same clean way: finish or abandon the current step, release its
/// resources, flush its logs, exit 0.
/// </summary>
public static class ProgramHost
{
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        using var shutdown = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            shutdown.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        // The token passed here is the one SetAction handlers receive; our own signal handling replaces
        // System.CommandLine's, which would end the process after a fixed timeout.
        var configuration = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
        try
        {
            return await root.Parse(args).InvokeAsync(configuration, shutdown.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bad file, setting or connection is the usual cause: one line says what; the stack trace
            // only helps with a bug, so it is shown at debug level.
            var program = root.Name;
            Console.Error.WriteLine($"{program}: error: {e.Message}");
            if (string.Equals(Environment.GetEnvironmentVariable("TOPUP_LOG_LEVEL"), "Debug", StringComparison.OrdinalIgnoreCase))
                Console.Error.WriteLine(e);
            else
                Console.Error.WriteLine($"{program}: ({e.GetType().Name}; set TOPUP_LOG_LEVEL=Debug for the stack trace)");
            return 1;
        }
    }
}
