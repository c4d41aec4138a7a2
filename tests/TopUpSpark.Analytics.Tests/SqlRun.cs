using TopUpSpark.TestSupport;

namespace TopUpSpark.Analytics.Tests;

/// <summary>Runs topup-sql's command line in-process, as its Main does, keeping what it prints.</summary>
public static class SqlRun
{
    public sealed record Result(int Exit, string Output, string Errors);

    public static async Task<Result> RunAsync(params string[] args) => await RunWithInputAsync(null, args);

    public static async Task<Result> RunWithInputAsync(string? input, params string[] args)
    {
        var output = new StringWriter();
        var (exit, errors) = await CommandLineRun.RunAsync(SqlCommand.For(args, output, input is null ? null : new StringReader(input)), args);
        return new Result(exit, output.ToString(), errors);
    }

    /// <summary>The rows of a --csv result (header left out), for results without quoted fields.</summary>
    public static async Task<List<string[]>> CsvRowsAsync(params string[] args)
    {
        var result = await RunAsync([.. args, "--csv"]);
        NUnit.Framework.Assert.That(result.Exit, NUnit.Framework.Is.EqualTo(0), result.Errors);
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => line.TrimEnd('\r').Split(',')).ToList();
    }

    /// <summary>The one value of a one-row, one-column result.</summary>
    public static async Task<string> ScalarAsync(params string[] args) => (await CsvRowsAsync(args)).Single().Single();
}
