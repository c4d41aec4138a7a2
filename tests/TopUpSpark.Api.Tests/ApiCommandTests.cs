using NUnit.Framework;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Api.Tests;

/// <summary>topup-api's command line: every flag in --help and in the README, bad values refused before anything starts.</summary>
public class ApiCommandTests
{
    [Test]
    public async Task Help_and_the_README_name_every_flag()
    {
        var root = ApiCommand.Create();
        var (exit, help) = await CommandLineRun.OutputOfAsync(root, "--help");
        Assert.That(exit, Is.Zero);
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md"));
        foreach (var option in root.Options.Where(o => o.Name.StartsWith("--", StringComparison.Ordinal) && o.Name is not "--help" and not "--version"))
        {
            Assert.That(help, Does.Contain(option.Name), "--help");
            Assert.That(readme, Does.Contain($"`{option.Name}"), "README");
        }
    }

    [TestCase("--redis", "localhost", "HOST:PORT")]
    [TestCase("--listen", "ftp://127.0.0.1:21", "http://HOST:PORT")]
    [TestCase("--max-events", "0", "--max-events")]
    [TestCase("--delivery-timeout", "0s", "--delivery-timeout")]
    public async Task A_bad_value_is_refused_naming_what_is_accepted(string flag, string value, string message) =>
        await CommandLineRun.AssertRefusedAsync(ApiCommand.Create(), [flag, value], message);

    [Test]
    public async Task Example_prints_a_csv_row_as_an_event_the_api_takes()
    {
        var work = RepositoryRoot.NewScratchDirectory("api-example");
        var csv = Path.Combine(work, "customer.csv");
        File.WriteAllText(csv, "ID,Area,AssetCost\n7,\"North, East\",\"1,20,000\"\n");
        using var program = ProgramProcess.Start(ProgramProcess.Dll("api", "topup-api"), Path.Combine(work, "example.log"), ["example", "--csv", csv]);
        Assert.That(await program.WaitForExitAsync(Waits.HangBound), Is.Zero, program.Output);
        var item = System.Text.Json.Nodes.JsonNode.Parse(program.Output)!.AsObject();
        Assert.That(item.Select(p => $"{p.Key}={p.Value}"), Is.EqualTo(new[] { "ID=7", "Area=North, East", "AssetCost=1,20,000" }));
        Directory.Delete(work, recursive: true);
    }
}
