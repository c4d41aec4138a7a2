using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TopUpSpark.Streaming.Checkpointing;

/// <summary>
/// The checkpoint folder of a query, laid out like Spark's: <c>offsets/N</c> (written before batch N
/// runs: what it reads and the watermarks it runs with), <c>state/N</c> (operator state after batch N:
/// per operator either a whole snapshot or the delta since batch N − 1, as Spark's state store keeps
/// deltas and a periodic snapshot), <c>commits/N</c> (written last: batch N is done). Every file is written whole under a temporary name
/// and renamed, so a crash never leaves half a file. Old entries beyond a retention count are removed.
/// </summary>
public sealed class CheckpointLog
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    private readonly string _root;
    private readonly int _retain;

    public CheckpointLog(string root, int retainBatches = 50)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retainBatches, SnapshotInterval);
        _root = Path.GetFullPath(root);
        _retain = retainBatches;
        foreach (var folder in new[] { "offsets", "state", "commits" })
            Directory.CreateDirectory(Path.Combine(_root, folder));
    }

    public string Root => _root;

    private string MetadataPath => Path.Combine(_root, "metadata");

    /// <summary>The query's identity; null for a new checkpoint.</summary>
    /// <exception cref="InvalidDataException">the file is damaged and the checkpoint holds batches (its id cannot be made up again).</exception>
    public QueryMetadata? ReadMetadata()
    {
        if (!File.Exists(MetadataPath)) return null;
        try
        {
            return JsonSerializer.Deserialize<QueryMetadata>(File.ReadAllText(MetadataPath), QueryMetadata.Json)
                ?? throw new JsonException("the file holds null");
        }
        catch (JsonException e)
        {
            // Written in place by earlier versions: a run killed at its very start could leave it cut off.
            if (Latest("offsets") is null) return null;
            throw new InvalidDataException(
                $"checkpoint metadata {MetadataPath} is damaged ({e.Message}), and the checkpoint holds batches that belong to the query id it held. " +
                "Move the checkpoint folder aside to start the query afresh.", e);
        }
    }

    public void WriteMetadata(QueryMetadata metadata) => WriteWhole(MetadataPath, JsonSerializer.Serialize(metadata, QueryMetadata.Json));

    private const string TemporarySuffix = ".tmp";

    /// <summary>
    /// Removes the temporary files a run killed in the middle of a write left behind (the files they were
    /// to replace are whole: the previous version, or none). Returns what was removed.
    /// </summary>
    public IReadOnlyList<string> RemoveLeftovers()
    {
        var leftovers = Directory.EnumerateFiles(_root, "*" + TemporarySuffix, SearchOption.AllDirectories).ToList();
        foreach (var file in leftovers) File.Delete(file);
        return leftovers;
    }

    /// <summary>Writes a whole file under a temporary name and renames it into place: a crash leaves the old file or the new one, never half of one.</summary>
    public static void WriteWhole(string path, string content)
    {
        var temp = path + TemporarySuffix;
        File.WriteAllText(temp, content);
        File.Move(temp, path, overwrite: true);
    }

    public void WriteOffsets(OffsetLogEntry entry) => Write("offsets", entry.BatchId, JsonSerializer.SerializeToNode(entry, Json)!);

    /// <summary>A whole snapshot every this many batches; deltas in between. Retention always keeps the last snapshot.</summary>
    public const int SnapshotInterval = 10;

    /// <summary>Whether batch <paramref name="batchId"/> stores whole snapshots (else deltas).</summary>
    public static bool IsSnapshotBatch(long batchId) => batchId % SnapshotInterval == 0;

    /// <summary>Writes each stateful operator's state after <paramref name="batchId"/> (whole or delta), by operator id.</summary>
    public void WriteState(long batchId, bool snapshot, IReadOnlyList<(string Id, Action<BinaryWriter> Save)> operators)
    {
        var path = PathOf("state", batchId);
        var temp = path + TemporarySuffix;
        using (var file = File.Create(temp, 64 * 1024))
        using (var writer = new BinaryWriter(file))
        {
            writer.Write(operators.Count);
            foreach (var (id, save) in operators)
            {
                // The snapshot streams to the file; its length is filled in afterwards, so a large state
                // is never held twice in memory.
                writer.Write(id);
                writer.Write(snapshot);
                var lengthAt = file.Position;
                writer.Write(0);
                save(writer);
                writer.Flush();
                var end = file.Position;
                file.Position = lengthAt;
                writer.Write(checked((int)(end - lengthAt - sizeof(int))));
                writer.Flush();
                file.Position = end;
            }
        }
        File.Move(temp, path, overwrite: true);
    }

    public void WriteCommit(CommitLogEntry entry)
    {
        Write("commits", entry.BatchId, JsonSerializer.SerializeToNode(entry, Json)!);
        Purge(entry.BatchId);
    }

    public OffsetLogEntry? LatestOffsets() => Latest("offsets") is { } id ? ReadOffsets(id) : null;

    public OffsetLogEntry ReadOffsets(long batchId) =>
        JsonSerializer.Deserialize<OffsetLogEntry>(File.ReadAllText(PathOf("offsets", batchId)), Json)
        ?? throw new InvalidDataException($"checkpoint offsets/{batchId} is empty");

    public CommitLogEntry? LatestCommit() =>
        Latest("commits") is { } id
            ? JsonSerializer.Deserialize<CommitLogEntry>(File.ReadAllText(PathOf("commits", id)), Json)
            : null;

    /// <summary>
    /// What rebuilds each operator's state after <paramref name="batchId"/>, by operator id: its latest
    /// snapshot at or before that batch, then the deltas after it, oldest first.
    /// </summary>
    public Dictionary<string, List<byte[]>> ReadState(long batchId)
    {
        var chains = new Dictionary<string, List<byte[]>>(StringComparer.Ordinal);
        var complete = new HashSet<string>(StringComparer.Ordinal);
        for (var batch = batchId; ; batch--)
        {
            var path = PathOf("state", batch);
            if (!File.Exists(path))
                throw new InvalidDataException($"checkpoint state/{batch} is missing, but batch {batchId}'s state is built from it");
            using var reader = new BinaryReader(File.OpenRead(path));
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                var id = reader.ReadString();
                var isSnapshot = reader.ReadBoolean();
                var bytes = reader.ReadBytes(reader.ReadInt32());
                if (complete.Contains(id)) continue;
                if (!chains.TryGetValue(id, out var chain)) chains[id] = chain = [];
                chain.Insert(0, bytes);
                if (isSnapshot) complete.Add(id);
            }
            if (complete.Count == chains.Count) return chains;
        }
    }

    private string PathOf(string folder, long batchId) => Path.Combine(_root, folder, batchId.ToString(CultureInfo.InvariantCulture));

    private long? Latest(string folder) =>
        Directory.EnumerateFiles(Path.Combine(_root, folder))
            .Select(Path.GetFileName)
            .Select(n => long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : (long?)null)
            .Max();

    private void Write(string folder, long batchId, JsonNode content) => WriteWhole(PathOf(folder, batchId), content.ToJsonString(Json));

    private void Purge(long committed)
    {
        foreach (var folder in new[] { "offsets", "state", "commits" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(_root, folder)))
            {
                if (long.TryParse(Path.GetFileName(file), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id < committed - _retain)
                    File.Delete(file);
            }
        }
    }
}

/// <summary>The write-ahead record of one batch: what it reads (per source, [start, end)) and its watermarks.</summary>
public sealed record OffsetLogEntry(
    long BatchId,
    DateTimeOffset BatchTimestamp,
    Dictionary<string, Dictionary<int, long>> StartOffsets,
    Dictionary<string, Dictionary<int, long>> EndOffsets,
    DateTimeOffset? LateRowsWatermark,
    DateTimeOffset? EvictionWatermark);

/// <summary>
/// The query's identity, kept in <c>metadata</c>: its id (stable across restarts; readers of its outputs
/// use it to recognise a replayed batch) and, per Kafka topic, the id of the cluster its offsets belong
/// to, so that a checkpoint is never resumed against another cluster (a new embedded broker is one).
/// </summary>
public sealed record QueryMetadata(Guid Id, DateTimeOffset CreatedUtc, Dictionary<string, string>? KafkaClusters)
{
    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}

/// <summary>A checkpoint that does not belong to the query or the Kafka cluster it is started with.</summary>
public sealed class CheckpointMismatchException(string message) : Exception(message);

/// <summary>Batch N is complete; the per-input watermarks after it seed batch N + 1.</summary>
public sealed record CommitLogEntry(long BatchId, DateTimeOffset? EvictionWatermark, Dictionary<string, DateTimeOffset?> InputWatermarks);
