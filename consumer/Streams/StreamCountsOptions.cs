namespace TopUpSpark.Consumer.Streams;

/// <summary>
/// What the stream counts watch: the topics, optionally a column whose values split each topic's counts,
/// the processing-time bucket of each point and the window of the "last window" totals.
/// </summary>
public sealed record StreamCountsOptions(IReadOnlyList<string> Topics, string? GroupBy, TimeSpan Window, TimeSpan Bucket)
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan DefaultBucket = TimeSpan.FromSeconds(5);

    /// <summary>Distinct group values shown per topic; further values are counted under <see cref="OtherGroups"/>.</summary>
    public const int MaxGroupsPerTopic = 50;

    public const string OtherGroups = "(other values)";
    public const string NoGroupValue = "(no value)";

    /// <summary>Buckets in one window (the last one may be partly outside it when the window is not a multiple of the bucket).</summary>
    public int BucketsPerWindow => (int)Math.Ceiling(Window.Ticks / (double)Bucket.Ticks);

    public void Validate()
    {
        if (Topics.Count == 0) throw new ArgumentException("at least one topic to count");
        if (Bucket <= TimeSpan.Zero) throw new ArgumentException($"the bucket must be longer than 0 (got {Bucket})");
        if (Window < Bucket) throw new ArgumentException($"the window ({Window}) must not be shorter than the bucket ({Bucket})");
    }
}
