namespace TopUpSpark.Streaming.Checkpointing;

/// <summary>
/// A checkpoint in a folder of the file system. A file is written under a temporary name in the same
/// folder and renamed into place — an atomic replace on POSIX file systems, NFS included; an append
/// opens the file, writes at its end and closes it.
/// </summary>
public sealed class FileCheckpointStorage : ICheckpointStorage
{
    private const string TemporarySuffix = ".tmp";

    public FileCheckpointStorage(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Locate(string path) => Path.Combine(Root, path);

    public bool Exists(string path) => File.Exists(Locate(path));

    public long? Version(string path)
    {
        var info = new FileInfo(Locate(path));
        return info.Exists ? info.LastWriteTimeUtc.Ticks ^ (info.Length << 48) : null;
    }

    public byte[]? Read(string path)
    {
        try
        {
            return File.ReadAllBytes(Locate(path));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public void Write(string path, Action<Stream> write) => WriteWhole(path, write, overwrite: true);

    public bool TryCreate(string path, Action<Stream> write)
    {
        try
        {
            WriteWhole(path, write, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(Locate(path)))
        {
            return false;
        }
    }

    public void Append(string path, Action<Stream> write)
    {
        // Opened and closed for each append: closing is what publishes the bytes to readers on other machines (NFS's close-to-open).
        using var file = File.OpenHandle(LocateCreatingFolder(path), FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        using var writer = new CheckpointFileWriter(file, RandomAccess.GetLength(file));
        write(writer);
    }

    private string LocateCreatingFolder(string path)
    {
        var target = Locate(path);
        var folder = Path.GetDirectoryName(target)!;
        if (!_folders.ContainsKey(folder))
        {
            Directory.CreateDirectory(folder);
            _folders.TryAdd(folder, true);
        }
        return target;
    }

    private void WriteWhole(string path, Action<Stream> write, bool overwrite)
    {
        var target = LocateCreatingFolder(path);
        // Unique per writer, and naming it: two instances briefly writing the same file (a task taken over) never
        // share a temporary, and a starting instance can tell a killed writer's leftover from a write in progress.
        var temp = $"{target}.{Writer}-{Environment.CurrentManagedThreadId}{TemporarySuffix}";
        try
        {
            // A bare handle: the writer buffers and keeps the position itself (see CheckpointFileWriter).
            using (var file = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.Read))
            using (var writer = new CheckpointFileWriter(file))
                write(writer);
            File.Move(temp, target, overwrite);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _folders = new(StringComparer.Ordinal);

    public IReadOnlyList<string> List(string folder, bool folders = false)
    {
        var full = Locate(folder);
        if (!Directory.Exists(full)) return [];
        return (folders ? Directory.EnumerateDirectories(full) : Directory.EnumerateFiles(full)).Select(Path.GetFileName).OfType<string>().ToList();
    }

    public void Delete(string path) => File.Delete(Locate(path));

    /// <summary>
    /// Temporary files whose writer is gone: written by a process of this machine that no longer runs, or,
    /// from another machine sharing the folder, older than any write takes. Writes in progress — of this
    /// process, or of another live instance — are left alone.
    /// </summary>
    public IReadOnlyList<string> RemoveLeftovers(string folder, bool recursive)
    {
        var full = Locate(folder);
        if (!Directory.Exists(full)) return [];
        var leftovers = Directory.EnumerateFiles(full, "*" + TemporarySuffix, recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Where(WriterIsGone).ToList();
        foreach (var file in leftovers) File.Delete(file);
        return leftovers;
    }

    private static readonly string Writer = $"{Environment.MachineName}-{Environment.ProcessId}";
    private static readonly TimeSpan LongestWrite = TimeSpan.FromMinutes(1);

    private static bool WriterIsGone(string temp)
    {
        var name = Path.GetFileName(temp)[..^TemporarySuffix.Length];
        var writer = name[(name.LastIndexOf('.') + 1)..];
        var parts = writer.Split('-');
        if (parts.Length >= 3 && string.Join('-', parts[..^2]) == Environment.MachineName && int.TryParse(parts[^2], out var pid))
            return pid != Environment.ProcessId && !IsRunning(pid);
        return DateTime.UtcNow - File.GetLastWriteTimeUtc(temp) > LongestWrite;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
