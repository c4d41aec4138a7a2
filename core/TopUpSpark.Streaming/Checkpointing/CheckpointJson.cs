using System.Text.Json;
using System.Text.Json.Serialization;

namespace TopUpSpark.Streaming.Checkpointing;

/// <summary>
/// The checkpoint's JSON files, serialized by code generated at build time. Reflection-based serialization
/// builds its converters on first use, which made the first batch's write-ahead and commit records tens of
/// milliseconds slower than the next ones (the job compiles everything fully optimised, on first call).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(QueryMetadata))]
[JsonSerializable(typeof(TaskOffsets))]
[JsonSerializable(typeof(TaskCommit))]
[JsonSerializable(typeof(TaskLogRecord))]
[JsonSerializable(typeof(TaskOwner))]
[JsonSerializable(typeof(TaskIdentity))]
[JsonSerializable(typeof(AvailableNowEnd))]
internal sealed partial class CheckpointJson : JsonSerializerContext
{
    /// <summary>
    /// Writes and reads a made-up record of each kind a batch writes, in memory: the serializers' generic code over
    /// the records' value types (offsets, times) is compiled on first use, which would otherwise be in the first
    /// batch's write-ahead and commit.
    /// </summary>
    public static void CompileAhead()
    {
        var someTime = global::System.DateTimeOffset.UnixEpoch;
        var offsets = new TaskOffsets(0, someTime, new Dictionary<string, long> { ["topic"] = 0 }, new Dictionary<string, long> { ["topic"] = 1 }, someTime, null);
        var commit = new TaskCommit(0, someTime, new Dictionary<string, DateTimeOffset> { ["topic"] = someTime });
        foreach (var record in new[] { new TaskLogRecord(offsets, null), new TaskLogRecord(null, commit) })
            JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(record, Default.TaskLogRecord), Default.TaskLogRecord);
    }
}
