using System.Reflection;
using System.Runtime.CompilerServices;

namespace TopUpSpark.Job;

/// <summary>
/// Compiles the job's own code before the first batch. Tiered compilation is off for the job, so every
/// method is compiled fully optimised on its first call: without this, the first batch that closes a
/// window, joins and scores would spend tens of milliseconds compiling. (Its libraries are precompiled
/// ReadyToRun images when the job is published; see the project file.) Generic code is compiled for the
/// type arguments it meets, on first use.
/// </summary>
public static class CompileAhead
{
    public sealed record Result(int Methods, int NotCompiled, TimeSpan Elapsed);

    /// <param name="offTheBatchPath">
    /// Types (with their nested ones) no batch runs, left to their first call: compiling them would load their
    /// libraries' types for nothing (the streaming UI's charts load Plotly.NET and F#'s core library, about
    /// 4 MiB of the job's memory whether anyone opens the UI or not), and the JIT profile would record them for the next run.
    /// </param>
    public static Result Compile(IEnumerable<Assembly> assemblies, int threads, IReadOnlySet<Type>? offTheBatchPath = null)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var skipped = offTheBatchPath ?? new HashSet<Type>();
        var methods = assemblies.Distinct().SelectMany(a => a.GetTypes())
            .Where(t => !t.ContainsGenericParameters && !IsWithin(t, skipped))
            .SelectMany(Compilable).ToList();
        var notCompiled = 0;
        Parallel.ForEach(methods, new ParallelOptions { MaxDegreeOfParallelism = threads }, method =>
        {
            try
            {
                RuntimeHelpers.PrepareMethod(method.MethodHandle);
            }
            catch (Exception e) when (e is TypeLoadException or FileNotFoundException or BadImageFormatException or MissingMethodException)
            {
                // A method whose dependencies cannot load now is compiled (or fails) when it is first called.
                Interlocked.Increment(ref notCompiled);
            }
        });
        return new Result(methods.Count - notCompiled, notCompiled, started.Elapsed);
    }

    private static bool IsWithin(Type type, IReadOnlySet<Type> outer)
    {
        for (var t = type; t is not null; t = t.DeclaringType)
            if (outer.Contains(t)) return true;
        return false;
    }

    private static IEnumerable<MethodBase> Compilable(Type type)
    {
        const BindingFlags declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        return type.GetMethods(declared).Cast<MethodBase>().Concat(type.GetConstructors(declared))
            .Where(m => !m.IsAbstract && !m.ContainsGenericParameters && m.GetMethodBody() is not null);
    }
}
