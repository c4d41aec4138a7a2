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
[JsonSerializable(typeof(TaskOwner))]
[JsonSerializable(typeof(TaskIdentity))]
[JsonSerializable(typeof(AvailableNowEnd))]
internal sealed partial class CheckpointJson : JsonSerializerContext;
