using System.CommandLine;
using System.CommandLine.Help;
using System.Runtime.InteropServices;
using TopUpSpark.Core.Kafka;

namespace TopUpSpark.Core.Cli;

/// <summary>
/// Runs a program's root command with one shutdown token that Ctrl-C and SIGTERM cancel, so every
/// long-running program stops the same clean way: finish or abandon the current step, release its
/// resources, flush its logs, exit 0. A command line it cannot use ends it before anything starts.
/// </summary>
public static class ProgramHost
{
    /// <summary>The exit code of a command line that was refused (a bad flag or value), as for most Unix tools.</summary>
    public const int UsageError = 2;

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
        return await InvokeAsync(root, args, Console.Error, shutdown.Token, Console.Out);
    }

    /// <summary>
    /// Parses and runs the command: one line per error and <see cref="UsageError"/> for a refused command line,
    /// one line and exit code 1 for an error the run ended with. Secret values given on the command line
    /// (<see cref="SecretSettings.ValuesIn"/>) never appear in either.
    /// </summary>
    public static async Task<int> InvokeAsync(RootCommand root, IReadOnlyList<string> args, TextWriter error, CancellationToken cancel,
        TextWriter? output = null)
    {
        output ??= Console.Out;
        var program = root.Name;
        var secrets = SecretSettings.ValuesIn(args);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
                await error.WriteLineAsync($"{program}: error: {SecretSettings.Hide(parseError.Message, secrets)}");
            return UsageError;
        }
        // The token passed here is the one SetAction handlers receive; our own signal handling replaces
        // System.CommandLine's, which would end the process after a fixed timeout.
        var configuration = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false, Error = error };
        if (parse.Action is HelpAction)
        {
            var help = new StringWriter();
            var shown = await parse.InvokeAsync(new InvocationConfiguration { Output = help, Error = error }, cancel);
            await output.WriteAsync(HelpText.WithReadableDefaults(help.ToString()));
            return shown;
        }
        try
        {
            return await parse.InvokeAsync(configuration, cancel);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bad file, setting or connection is the usual cause: one line says what; the stack trace
            // only helps with a bug, so it is shown at debug level.
            await error.WriteLineAsync($"{program}: error: {SecretSettings.Hide(e.Message, secrets)}");
            if (string.Equals(Environment.GetEnvironmentVariable("TOPUP_LOG_LEVEL"), "Debug", StringComparison.OrdinalIgnoreCase))
                await error.WriteLineAsync(SecretSettings.Hide(e.ToString(), secrets));
            else
                await error.WriteLineAsync($"{program}: ({e.GetType().Name}; set TOPUP_LOG_LEVEL=Debug for the stack trace)");
            return 1;
        }
    }
}
