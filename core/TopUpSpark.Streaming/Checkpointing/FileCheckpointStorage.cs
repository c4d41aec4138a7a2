namespace TopUpSpark.Streaming.Checkpointing;

/// <summary>
/// A checkpoint in a folder of the file system. A file is written under a temporary name in the same
/// folder, flushed to disk and renamed into place — an atomic replace on POSIX file systems, NFS included.
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

    private void WriteWhole(string path, Action<Stream> write, bool overwrite)
    {
        var target = Locate(path);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // Unique per writer: two instances briefly writing the same file (a task taken over) never share a temporary.
        var temp = $"{target}.{Environment.ProcessId}-{Environment.CurrentManagedThreadId}{TemporarySuffix}";
        try
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 64 * 1024))
                write(file);
            File.Move(temp, target, overwrite);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public IReadOnlyList<string> List(string folder, bool folders = false)
    {
        var full = Locate(folder);
        if (!Directory.Exists(full)) return [];
        return (folders ? Directory.EnumerateDirectories(full) : Directory.EnumerateFiles(full)).Select(Path.GetFileName).OfType<string>().ToList();
    }

    public void Delete(string path) => File.Delete(Locate(path));

    public IReadOnlyList<string> RemoveLeftovers(string folder, bool recursive)
    {
        var full = Locate(folder);
        if (!Directory.Exists(full)) return [];
        var leftovers = Directory.EnumerateFiles(full, "*" + TemporarySuffix, recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly).ToList();
        foreach (var file in leftovers) File.Delete(file);
        return leftovers;
    }
}
