using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using NUnit.Framework;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Notebooks.Tests;

/// <summary>
/// What the notebooks load is what the repository builds and pins: a kernel would restore any package version a
/// <c>#r "nuget:"</c> line names, and load a stale assembly a <c>#r</c> path names, without a word.
/// </summary>
public partial class NotebookReferenceTests
{
    private static IEnumerable<string> Notebooks() =>
        Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "notebooks"), "*.ipynb").Select(Path.GetFileName)!;

    [TestCaseSource(nameof(Notebooks))]
    public void Every_package_a_notebook_loads_is_the_version_the_repository_pins(string notebook)
    {
        var pins = XDocument.Load(Path.Combine(RepositoryRoot.Path, "Directory.Packages.props"))
            .Descendants("PackageVersion").ToDictionary(p => (string)p.Attribute("Include")!, p => (string)p.Attribute("Version")!, StringComparer.OrdinalIgnoreCase);
        var packages = Directives(notebook).Select(d => NugetDirective().Match(d)).Where(m => m.Success).ToList();
        Assert.That(packages, Is.Not.Empty);
        foreach (var package in packages)
        {
            var (name, version) = (package.Groups["name"].Value, package.Groups["version"].Value);
            Assert.That(pins.TryGetValue(name, out var pinned), Is.True, $"{notebook}: {name} is not pinned in Directory.Packages.props");
            Assert.That(version, Is.EqualTo(pinned), $"{notebook}: {name} {version}, but Directory.Packages.props pins {pinned}");
        }
    }

    [TestCaseSource(nameof(Notebooks))]
    public void Every_assembly_a_notebook_loads_by_path_is_in_the_Release_build(string notebook)
    {
        var paths = Directives(notebook).Select(d => PathDirective().Match(d)).Where(m => m.Success).Select(m => m.Groups["path"].Value).ToList();
        Assert.That(paths, Is.Not.Empty);
        foreach (var path in paths)
            Assert.That(File.Exists(Path.Combine(RepositoryRoot.Path, "notebooks", path)), Is.True, $"{notebook}: #r \"{path}\" is not built (dotnet build -c Release)");
    }

    private static IEnumerable<string> Directives(string notebook) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "notebooks", notebook)))!["cells"]!.AsArray()
            .Where(cell => (string?)cell!["cell_type"] == "code")
            .SelectMany(cell => string.Concat(cell!["source"]!.AsArray().Select(line => (string?)line)).Split('\n'))
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("#r ", StringComparison.Ordinal));

    [GeneratedRegex("""^#r "nuget:\s*(?<name>[^,"]+?)\s*,\s*(?<version>[^"]+?)\s*"$""")]
    private static partial Regex NugetDirective();

    [GeneratedRegex("""^#r "(?!nuget:)(?<path>[^"]+\.dll)"$""")]
    private static partial Regex PathDirective();
}
