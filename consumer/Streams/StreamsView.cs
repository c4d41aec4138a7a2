namespace TopUpSpark.Consumer.Streams;

/// <summary>What the server needs for the streams page: the counts and their page data.</summary>
public sealed record StreamsView(StreamCounter Counter, StreamCountsPayload Payload);
