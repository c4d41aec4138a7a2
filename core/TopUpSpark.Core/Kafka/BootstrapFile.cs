using System.Diagnostics;
using System.Text.Json;

namespace TopUpSpark.Core.Kafka;

/// <summary>
/// Where the running embedded broker announces its address, so every other program finds it without
/// a flag. Path: <c>$TOPUP_BROKER_FILE</c>, else <c>&lt;temp&gt;/topupspark/embedded-broker.json</c>.
/// </summary>
public static class BootstrapFile
{
    public const string EnvironmentVariable = "TOPUP_BROKER_FILE";

    public static string DefaultPath =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } path
            ? path
            : Path.Combine(Path.GetTempPath(), "topupspark", "embedded-broker.json");

    private sealed record Announcement(string BootstrapServers, int Pid, DateTimeOffset StartedAt);

    public static void Write(string bootstrapServers, string? path = null)
    {
        path ??= DefaultPath;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(new Announcement(bootstrapServers, Environment.ProcessId, DateTimeOffset.UtcNow)));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Removes the file if it still announces this process's broker.</summary>
    public static void Remove(string? path = null)
    {
        path ??= DefaultPath;
        if (TryReadAnnouncement(path) is { } a && a.Pid == Environment.ProcessId)
            File.Delete(path);
    }

    /// <summary>The announced address, or null when no live embedded broker announced one.</summary>
    public static string? TryRead(string? path = null)
    {
        var announcement = TryReadAnnouncement(path ?? DefaultPath);
        return announcement is not null && IsAlive(announcement.Pid) ? announcement.BootstrapServers : null;
    }

    private static Announcement? TryReadAnnouncement(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<Announcement>(File.ReadAllText(path)) : null;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
