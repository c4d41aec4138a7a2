using System.Reflection;
using System.Runtime.Loader;

namespace TopUpSpark.Notebooks;

/// <summary>
/// Plotly.NET 6 is built against FSharp.Core 10.1, while a .NET Interactive kernel has its own, older
/// FSharp.Core loaded already (1.0.712001 ships 10.0), and one load context holds one FSharp.Core: the
/// kernel's would answer even Giraffe.ViewEngine's request, whose types Plotly.NET then cannot use. So the
/// figures run in this context, with this build's FSharp.Core, Plotly.NET, Giraffe.ViewEngine and
/// TopUpSpark.Web (the dashboard's figures), all from this library's folder. TopUpSpark's own libraries stay shared with the notebook, so
/// that a <c>StateCountsMessage</c> crosses over as it is; nothing else crosses but strings and numbers.
/// </summary>
internal sealed class PlotlyLoadContext : AssemblyLoadContext
{
    private static readonly Lazy<PlotlyLoadContext> Shared = new(() => new PlotlyLoadContext());
    private readonly string _directory;

    private PlotlyLoadContext() : base("TopUpSpark.Notebooks figures (Plotly.NET, FSharp.Core)") =>
        _directory = Path.GetDirectoryName(typeof(PlotlyLoadContext).Assembly.Location)
                     ?? throw new InvalidOperationException("TopUpSpark.Notebooks.dll has no folder: load it from its build output");

    /// <summary>Calls a static method of <see cref="PlotlyFigures"/> as loaded in this context.</summary>
    public static string Call(string method, params object?[] arguments)
    {
        var figures = Shared.Value.LoadFromAssemblyName(typeof(PlotlyFigures).Assembly.GetName())
            .GetType(typeof(PlotlyFigures).FullName!, throwOnError: true)!;
        var target = figures.GetMethod(method, BindingFlags.Public | BindingFlags.Static)
                     ?? throw new MissingMethodException(figures.FullName, method);
        try
        {
            return (string)target.Invoke(null, arguments)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    protected override Assembly? Load(AssemblyName name)
    {
        if (name.Name is not { } simpleName) return null;
        if (IsSharedWithTheNotebook(simpleName))
            // The kernel loads a #r assembly into a context of its own choosing: take it from wherever it is.
            return AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(loaded => loaded.GetName().Name == simpleName && GetLoadContext(loaded) != this);
        var path = Path.Combine(_directory, simpleName + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    // TopUpSpark.Web draws with Plotly.NET: it loads here, beside the Plotly.NET and FSharp.Core it binds to.
    private static bool IsSharedWithTheNotebook(string simpleName) =>
        simpleName.StartsWith("TopUpSpark.", StringComparison.Ordinal) && simpleName != typeof(PlotlyLoadContext).Assembly.GetName().Name
        && simpleName != "TopUpSpark.Web";
}
