namespace TopUpSpark.Streaming.Checkpointing;

/// <summary>
/// Where a query's checkpoint lives: a folder that every instance of the query can reach — a local disk
/// for one instance, a shared POSIX folder (NFS, SMB, a Kubernetes volume) for several. Paths are
/// relative to the checkpoint's root and use '/'. Every write is whole: readers see the old file or the
/// new one, never part of one.
/// </summary>
public interface ICheckpointStorage
{
    /// <summary>Where <paramref name="path"/> is, for messages (e.g. the absolute file path).</summary>
    string Locate(string path);

    bool Exists(string path);

    /// <summary>Something that changes whenever the file is written (its modification time); null when it does not exist.</summary>
    long? Version(string path);

    /// <summary>The file's bytes, or null when it does not exist.</summary>
    byte[]? Read(string path);

    /// <summary>Writes the file whole, replacing any previous version.</summary>
    void Write(string path, Action<Stream> write);

    /// <summary>
    /// Adds what <paramref name="write"/> puts in the stream at the end of the file, creating it if missing; the
    /// stream can seek back within what this append wrote. Not atomic: a reader may see part of an append in
    /// progress, and a kill may leave part of one.
    /// </summary>
    void Append(string path, Action<Stream> write);

    /// <summary>Writes the file whole unless it exists: of instances creating it at once, exactly one succeeds.</summary>
    bool TryCreate(string path, Action<Stream> write);

    /// <summary>The names of the files (or, with <paramref name="folders"/>, folders) directly in <paramref name="folder"/>; none when it does not exist.</summary>
    IReadOnlyList<string> List(string folder, bool folders = false);

    void Delete(string path);

    /// <summary>Removes the temporary files of writes that never finished (their process was killed) under <paramref name="folder"/>; returns where they were.</summary>
    IReadOnlyList<string> RemoveLeftovers(string folder, bool recursive);
}
