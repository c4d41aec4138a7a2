using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace TopUpSpark.Job.Tests;

/// <summary>
/// A Polyglot Notebooks C# notebook turned into a console program, since no notebook kernel runs here.
/// The code cells, in order, become the program's top-level statements, each followed by a line that
/// reports the cell done; their <c>using</c> directives move to the top; <c>#line</c> directives make
/// compiler errors and stack traces name the notebook's cell and line (each cell's source is written
/// beside the program under that name, for the compiler and for whoever reads the error). <c>#r "…/X.dll"</c> becomes a
/// reference to the repository project that builds X.dll, <c>#r "nuget: Name, Version"</c> a package
/// reference at that version, which must be the version the repository pins. A small prelude supplies what
/// the kernel gives the cells: <c>display(…)</c> prints to standard output and <c>HTML(…)</c> wraps markup.
/// </summary>
public sealed partial class NotebookProgram
{
    /// <summary>Printed after each cell ran: "[notebook] cell 3 of 11 ran".</summary>
    public const string CellMarker = "[notebook] cell";

    private const string Prelude =
        """
        global using static NotebookKernel;

        /// <summary>What the Polyglot Notebooks C# kernel gives the cells, for running them as a console program.</summary>
        public static class NotebookKernel
        {
            public static void display(object? value) => System.Console.WriteLine(Format(value));

            public static HtmlContent HTML(string html) => new(html);

            public static void CellRan(int cell, int cells) => System.Console.WriteLine($"[notebook] cell {cell} of {cells} ran");

            private static string Format(object? value) => value switch
            {
                null => "<null>",
                string text => text,
                System.Collections.IEnumerable items => string.Join(System.Environment.NewLine, System.Linq.Enumerable.Select(System.Linq.Enumerable.Cast<object?>(items), Format)),
                _ => value.ToString() ?? "",
            };
        }

        public sealed record HtmlContent(string Html)
        {
            public override string ToString() => Html;
        }
        """;

    private readonly Dictionary<string, string> _cellSources;

    private NotebookProgram(List<string> assemblies, SortedSet<string> projects, SortedDictionary<string, string> packages,
        string programText, Dictionary<string, string> cellSources)
    {
        ReferencedAssemblies = assemblies;
        Projects = projects;
        Packages = packages;
        ProgramText = programText;
        _cellSources = cellSources;
    }

    /// <summary>The dll files the notebook's <c>#r</c> lines name (full paths).</summary>
    public IReadOnlyList<string> ReferencedAssemblies { get; }

    /// <summary>The project files that build the referenced assemblies.</summary>
    public IReadOnlyCollection<string> Projects { get; }

    /// <summary>Package → version, from <c>#r "nuget: …"</c>.</summary>
    public IReadOnlyDictionary<string, string> Packages { get; }

    public string ProgramText { get; }

    public int CodeCells => _cellSources.Count;

    /// <param name="repositoryRoot">Where the referenced projects live and whose <c>Directory.Packages.props</c> pins the package versions.</param>
    public static NotebookProgram Read(string notebookPath, string repositoryRoot)
    {
        var notebookDirectory = Path.GetDirectoryName(Path.GetFullPath(notebookPath))!;
        var notebookName = Path.GetFileName(notebookPath);
        var pinned = PinnedPackageVersions(Path.Combine(repositoryRoot, "Directory.Packages.props"));
        using var notebook = JsonDocument.Parse(File.ReadAllText(notebookPath));

        var assemblies = new List<string>();
        var projects = new SortedSet<string>(StringComparer.Ordinal);
        var packages = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var usings = new StringBuilder();
        var body = new StringBuilder();
        var cellSources = new Dictionary<string, string>(StringComparer.Ordinal);
        var codeCells = notebook.RootElement.GetProperty("cells").EnumerateArray()
            .Where(cell => cell.GetProperty("cell_type").GetString() == "code")
            .ToList();
        for (var index = 0; index < codeCells.Count; index++)
        {
            var number = index + 1;
            var cell = codeCells[index];
            var language = CellLanguage(cell);
            if (language != "csharp")
                throw new NotebookException($"code cell {number} is in '{language}'; the test runs C# cells only");
            var location = $"{notebookName} cell {number}";
            var source = Source(cell);
            cellSources[location] = source;
            var lines = source.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
            body.AppendLine($"#line 1 \"{location}\"");
            for (var i = 0; i < lines.Count; i++)
            {
                var line = lines[i];
                var trimmed = line.Trim();
                if (trimmed.StartsWith("#r ", StringComparison.Ordinal))
                {
                    AddReference(trimmed, location, notebookDirectory, pinned, assemblies, projects, packages);
                    body.AppendLine();
                }
                else if (trimmed.StartsWith("#!", StringComparison.Ordinal) || trimmed.StartsWith("#i ", StringComparison.Ordinal)
                         || trimmed.StartsWith("#load ", StringComparison.Ordinal))
                {
                    throw new NotebookException($"{location}: '{trimmed}' is a kernel directive this test cannot run");
                }
                else if (UsingDirective().IsMatch(trimmed))
                {
                    usings.AppendLine($"#line {i + 1} \"{location}\"").AppendLine(trimmed);
                    body.AppendLine();
                }
                else
                {
                    body.AppendLine(line);
                }
            }
            body.AppendLine("#line default").AppendLine($"NotebookKernel.CellRan({number}, {codeCells.Count});");
        }
        if (codeCells.Count == 0) throw new NotebookException($"{notebookPath} has no code cell");
        return new NotebookProgram(assemblies, projects, packages, usings.ToString() + body, cellSources);
    }

    /// <summary>
    /// Writes the program's project into <paramref name="directory"/>, with empty Directory.* files so that
    /// no build setting of a folder above it (the repository's central package versions, warnings as
    /// errors) applies: the cells compile as a kernel compiles them.
    /// </summary>
    public string WriteProject(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
            File.WriteAllText(Path.Combine(directory, name), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Prelude.cs"), Prelude);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), ProgramText);
        foreach (var (location, source) in _cellSources)
            File.WriteAllText(Path.Combine(directory, location), source);
        var project = new XElement("Project", new XAttribute("Sdk", "Microsoft.NET.Sdk"),
            new XElement("PropertyGroup",
                new XElement("OutputType", "Exe"),
                new XElement("TargetFramework", "net10.0"),
                new XElement("AssemblyName", "notebook"),
                new XElement("Nullable", "enable"),
                new XElement("ImplicitUsings", "disable"),
                new XElement("ManagePackageVersionsCentrally", "false"),
                new XElement("SatelliteResourceLanguages", "en")),
            new XElement("ItemGroup", Projects.Select(p => new XElement("ProjectReference", new XAttribute("Include", p)))),
            new XElement("ItemGroup", Packages.Select(p =>
                new XElement("PackageReference", new XAttribute("Include", p.Key), new XAttribute("Version", p.Value)))));
        var projectFile = Path.Combine(directory, "notebook.csproj");
        File.WriteAllText(projectFile, project.ToString() + "\n");
        return projectFile;
    }

    private static void AddReference(string directive, string location, string notebookDirectory, IReadOnlyDictionary<string, string> pinned,
        List<string> assemblies, SortedSet<string> projects, SortedDictionary<string, string> packages)
    {
        if (NugetReference().Match(directive) is { Success: true } nuget)
        {
            var (name, version) = (nuget.Groups["name"].Value, nuget.Groups["version"].Value);
            if (!pinned.TryGetValue(name, out var repositoryVersion))
                throw new NotebookException($"{location}: package {name} is not pinned in Directory.Packages.props; the notebook must use what the repository uses");
            if (repositoryVersion != version)
                throw new NotebookException($"{location}: package {name} {version}, but Directory.Packages.props pins {repositoryVersion}");
            packages[name] = version;
            return;
        }
        if (AssemblyReference().Match(directive) is not { Success: true } file)
            throw new NotebookException($"{location}: '{directive}' is neither #r \"nuget: Name, Version\" nor #r \"path/to/assembly.dll\"");
        var dll = Path.GetFullPath(Path.Combine(notebookDirectory, file.Groups["path"].Value));
        var projectFile = ProjectBuilding(dll)
            ?? throw new NotebookException($"{location}: {dll} is not in the bin folder of a project that builds it");
        assemblies.Add(dll);
        projects.Add(projectFile);
    }

    /// <summary>The project file beside the <c>bin</c> folder the dll is in, if that project's assembly is that dll.</summary>
    private static string? ProjectBuilding(string dll)
    {
        for (var folder = Path.GetDirectoryName(dll); folder is not null; folder = Path.GetDirectoryName(folder))
        {
            if (Path.GetFileName(folder) != "bin") continue;
            var projectFolder = Path.GetDirectoryName(folder)!;
            return Directory.GetFiles(projectFolder, "*.csproj").SingleOrDefault(project =>
                string.Equals(AssemblyName(project) + ".dll", Path.GetFileName(dll), StringComparison.Ordinal));
        }
        return null;
    }

    private static string AssemblyName(string projectFile) =>
        XDocument.Load(projectFile).Descendants("AssemblyName").Select(e => e.Value.Trim()).FirstOrDefault()
        ?? Path.GetFileNameWithoutExtension(projectFile);

    private static Dictionary<string, string> PinnedPackageVersions(string packagesProps) =>
        XDocument.Load(packagesProps).Descendants("PackageVersion")
            .ToDictionary(p => (string)p.Attribute("Include")!, p => (string)p.Attribute("Version")!, StringComparer.OrdinalIgnoreCase);

    private static string CellLanguage(JsonElement cell)
    {
        var metadata = cell.GetProperty("metadata");
        if (metadata.TryGetProperty("dotnet_interactive", out var dotnet) && dotnet.TryGetProperty("language", out var language))
            return language.GetString() ?? "";
        if (metadata.TryGetProperty("polyglot_notebook", out var polyglot) && polyglot.TryGetProperty("kernelName", out var kernel))
            return kernel.GetString() ?? "";
        return "csharp";
    }

    private static string Source(JsonElement cell)
    {
        var source = cell.GetProperty("source");
        return source.ValueKind == JsonValueKind.Array
            ? string.Concat(source.EnumerateArray().Select(part => part.GetString()))
            : source.GetString() ?? "";
    }

    [GeneratedRegex("""^using\s+(static\s+)?[\w.]+\s*;$|^using\s+\w+\s*=\s*[\w.<>, ]+;$""")]
    private static partial Regex UsingDirective();

    [GeneratedRegex("""^#r\s+"nuget:\s*(?<name>[^,"\s]+)\s*,\s*(?<version>[^"\s]+)\s*"$""")]
    private static partial Regex NugetReference();

    [GeneratedRegex("""^#r\s+"(?<path>[^"]+\.dll)"$""")]
    private static partial Regex AssemblyReference();
}

public sealed class NotebookException(string message) : Exception(message);
