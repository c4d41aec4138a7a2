using System.CommandLine;
using NUnit.Framework;
using TopUpSpark.Core.Cli;

namespace TopUpSpark.TestSupport;

/// <summary>Runs a program's command line in-process, as its Main does (ProgramHost), keeping what it writes to stderr.</summary>
public static class CommandLineRun
{
    /// <summary>Runs the command line and returns what it wrote to stdout, e.g. its help.</summary>
    public static async Task<(int Exit, string Output)> OutputOfAsync(RootCommand root, params string[] args)
    {
        var output = new StringWriter();
        var exit = await ProgramHost.InvokeAsync(root, args, new StringWriter(), CancellationToken.None, output);
        return (exit, output.ToString());
    }

    public static async Task<(int Exit, string Errors)> RunAsync(RootCommand root, params string[] args)
    {
        var errors = new StringWriter();
        var exit = await ProgramHost.InvokeAsync(root, args, errors, CancellationToken.None);
        return (exit, errors.ToString());
    }

    /// <summary>Runs the command line, asserts it was refused as a usage error naming <paramref name="message"/>, and returns its errors.</summary>
    public static async Task<string> AssertRefusedAsync(RootCommand root, IReadOnlyList<string> args, string message)
    {
        var (exit, errors) = await RunAsync(root, [.. args]);
        Assert.That(exit, Is.EqualTo(ProgramHost.UsageError), errors);
        Assert.That(errors, Does.Contain(message));
        return errors;
    }

    /// <summary>Sets environment variables until disposed, then restores what they were; tests that read them run one at a time.</summary>
    public static IDisposable Environment(params (string Name, string? Value)[] variables)
    {
        var before = variables.Select(v => (v.Name, Value: System.Environment.GetEnvironmentVariable(v.Name))).ToList();
        foreach (var (name, value) in variables) System.Environment.SetEnvironmentVariable(name, value);
        return new Restore(before);
    }

    private sealed class Restore(List<(string Name, string? Value)> before) : IDisposable
    {
        public void Dispose()
        {
            foreach (var (name, value) in before) System.Environment.SetEnvironmentVariable(name, value);
        }
    }
}
