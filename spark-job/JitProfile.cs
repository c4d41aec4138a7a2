using Microsoft.Extensions.Logging;

namespace TopUpSpark.Job;

/// <summary>
/// .NET's multi-core JIT (<see cref="System.Runtime.ProfileOptimization"/>): the job records the methods it
/// compiles into a profile, and at its next start compiles them again on a background thread while it
/// connects to Kafka and loads the model. Tiering is off for the job (see the project file), so every method
/// is compiled fully optimised on its first call, and <see cref="CompileAhead"/> cannot reach the generic
/// instantiations, async state machines and library code the first batch runs: those are what the profile
/// adds. The first run on a machine has no profile yet; each run rewrites it as it exits.
/// One job per machine records at a time: the profile file is written when the process exits, and two
/// writers would spoil it. Another job started meanwhile runs without one and says so.
/// </summary>
public static class JitProfile
{
    public const string Off = "off";
    public const string FileName = "topup-job.jitprofile";

    /// <summary><c>$XDG_CACHE_HOME/topupspark</c>, else <c>~/.cache/topupspark</c>; null without a home folder.</summary>
    public static string? DefaultDirectory =>
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache ? Path.Combine(cache, "topupspark")
        : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home ? Path.Combine(home, ".cache", "topupspark")
        : null;

    // Held until the process exits, after the runtime has written the profile.
    private static FileStream? _recorderLock;

    /// <summary>Starts playing the profile in <paramref name="directory"/> (if there is one) and recording the next; says what it did.</summary>
    public static void Start(string? directory, ILogger log)
    {
        if (directory is null || directory == Off)
        {
            log.LogInformation("JIT profile off: every method is compiled on its first call");
            return;
        }
        try
        {
            Directory.CreateDirectory(directory);
            _recorderLock = new FileStream(Path.Combine(directory, FileName + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogInformation("JIT profile not used: {Directory} is {Reason}; every method is compiled on its first call",
                directory, e is UnauthorizedAccessException ? "not writable" : "in use by another job on this machine");
            return;
        }
        var profile = new FileInfo(Path.Combine(directory, FileName));
        System.Runtime.ProfileOptimization.SetProfileRoot(directory);
        System.Runtime.ProfileOptimization.StartProfile(FileName);
        if (profile.Exists)
            log.LogInformation("JIT profile {Profile} of an earlier run (written {Written:u}): compiling its methods in the background; this run's replaces it at exit",
                profile.FullName, new DateTimeOffset(profile.LastWriteTimeUtc, TimeSpan.Zero));
        else
            log.LogInformation("JIT profile: none yet; this run records one to {Profile} at exit, and the next start compiles its methods in the background",
                profile.FullName);
    }
}
