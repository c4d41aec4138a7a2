using System.Reflection;
using System.Runtime.InteropServices;

namespace TopUpSpark.Core.Kafka;

/// <summary>
/// Loads librdkafka once for Confluent.Kafka and for the mock-cluster calls. On linux-x64 the
/// package's default <c>librdkafka.so</c> needs <c>libsasl2.so.3</c>, which Debian 12 lacks, so the
/// self-contained <c>centos8-librdkafka.so</c> shipped beside it is preferred (DESIGN §2).
/// </summary>
public static class KafkaNativeLibrary
{
    public const string LibraryName = "librdkafka";
    private static readonly Lock Gate = new();
    private static IntPtr _handle;

    /// <summary>The path loaded, or null where Confluent.Kafka's own lookup was used.</summary>
    public static string? LoadedPath { get; private set; }

    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_handle != IntPtr.Zero || LoadedPath is not null) return;
            var path = FindSelfContainedLibrary();
            if (path is null)
            {
                Confluent.Kafka.Library.Load();
                _handle = NativeLibrary.Load(LibraryName, typeof(KafkaNativeLibrary).Assembly, null);
                return;
            }
            _handle = NativeLibrary.Load(path);
            LoadedPath = path;
            // Confluent.Kafka's Library.Load(path) dlopens through "libdl", which Debian 12 only has as
            // libdl.so.2; answering its own DllImport("librdkafka") with our handle avoids that path.
            NativeLibrary.SetDllImportResolver(typeof(Confluent.Kafka.Library).Assembly, Resolve);
            Confluent.Kafka.Library.Load();
        }
    }

    internal static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != LibraryName) return IntPtr.Zero;
        EnsureLoaded();
        return _handle;
    }

    private static string? FindSelfContainedLibrary()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return null;
        var overridePath = Environment.GetEnvironmentVariable("TOPUP_LIBRDKAFKA");
        if (!string.IsNullOrEmpty(overridePath)) return overridePath;
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "centos8-librdkafka.so"),
            Path.Combine(AppContext.BaseDirectory, "centos8-librdkafka.so"),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }
}
