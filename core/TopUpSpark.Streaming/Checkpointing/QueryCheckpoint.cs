using System.Text.Json;

namespace TopUpSpark.Streaming.Checkpointing;

/// <summary>
/// A query's checkpoint: <c>metadata</c> (the query's identity) and a folder per task,
/// <c>tasks/&lt;n&gt;/</c> (<see cref="TaskLog"/>), holding everything about partition number n of the
/// inputs. A task moves between instances of the query by being read from its folder.
/// </summary>
public sealed class QueryCheckpoint(ICheckpointStorage storage)
{
    private const string MetadataFile = "metadata";

    public ICheckpointStorage Storage { get; } = storage;

    public string Location => Storage.Locate("");

    /// <summary>The query's identity; null for a new checkpoint.</summary>
    /// <exception cref="InvalidDataException">the file is damaged and tasks have batches (its id cannot be made up again).</exception>
    public QueryMetadata? ReadMetadata()
    {
        if (Storage.Read(MetadataFile) is not { } bytes) return null;
        try
        {
            return JsonSerializer.Deserialize(bytes, CheckpointJson.Default.QueryMetadata) ?? throw new JsonException("the file holds null");
        }
        catch (JsonException e)
        {
            // Written in place by earlier versions: a run killed at its very start could leave it cut off.
            if (Tasks().Count == 0) return null;
            throw new InvalidDataException(
                $"checkpoint metadata {Storage.Locate(MetadataFile)} is damaged ({e.Message}), and the checkpoint holds batches that belong to the query id it held. " +
                "Move the checkpoint folder aside to start the query afresh.", e);
        }
    }

    public void WriteMetadata(QueryMetadata metadata) => Storage.Write(MetadataFile, stream => JsonSerializer.Serialize(stream, metadata, CheckpointJson.Default.QueryMetadata));

    /// <summary>The query's identity: the one on file, or <paramref name="created"/> written as it — whichever instance of a first start wins.</summary>
    public QueryMetadata ReadOrCreateMetadata(QueryMetadata created)
    {
        if (ReadMetadata() is { } existing) return existing;
        if (Storage.Exists(MetadataFile))
        {
            // Damaged, and no task holds batches (ReadMetadata said so): nothing depends on the id it held.
            WriteMetadata(created);
            return created;
        }
        return Storage.TryCreate(MetadataFile, stream => JsonSerializer.Serialize(stream, created, CheckpointJson.Default.QueryMetadata))
            ? created
            : ReadMetadata() ?? throw new InvalidDataException($"{Storage.Locate(MetadataFile)} could be neither read nor created");
    }

    /// <summary>Earlier versions kept one log for the whole query at the root (<c>offsets/</c>, <c>commits/</c>).</summary>
    public bool HasSingleLogLayout => Storage.List("", folders: true).Any(f => f is "offsets" or "commits");

    /// <summary>The tasks that have a folder.</summary>
    public IReadOnlyList<int> Tasks() =>
        Storage.List("tasks", folders: true).Select(n => int.TryParse(n, out var task) ? task : -1).Where(t => t >= 0).Order().ToList();

    public TaskLog Task(int task) => new(Storage, task);

    /// <summary>
    /// Which sinks delivered which batches: <c>sinks/&lt;sink&gt;/&lt;batch&gt;-&lt;tasks&gt;</c>, one empty file per batch an
    /// instance delivered, named with the tasks it ran — one file a batch rather than one a task.
    /// </summary>
    public DeliveryLog Deliveries(string sink) => new(Storage, $"sinks/{sink}");

    /// <summary>Temporary files of writes of the query's own files that a killed run never finished.</summary>
    public IReadOnlyList<string> RemoveLeftovers() => Storage.RemoveLeftovers("", recursive: false);
}

/// <summary>
/// The query's identity, kept in <c>metadata</c>: its id (stable across restarts; readers of its outputs
/// use it to recognise a replayed batch), the number of tasks (the partition count of its inputs, fixed
/// for the checkpoint's life: a key's state lives in the task of its partition) and, per Kafka topic, the
/// id of the cluster its offsets belong to, so that a checkpoint is never resumed against another cluster.
/// </summary>
public sealed record QueryMetadata(Guid Id, DateTimeOffset CreatedUtc, Dictionary<string, string>? KafkaClusters, int? Partitions = null);

/// <summary>A checkpoint that does not belong to the query, its inputs or the Kafka cluster it is started with.</summary>
public sealed class CheckpointMismatchException(string message) : Exception(message);
