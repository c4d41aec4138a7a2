using System.Globalization;
using TopUpSpark.Streaming.Progress;

namespace TopUpSpark.Job;

public static class QueryProgressWatermark
{
    /// <summary>The global watermark the batch evicted and emitted with; null before the first one, and for the batch that flushed the open windows at the end.</summary>
    public static DateTimeOffset? Watermark(this QueryProgress batch) =>
        batch.EventTime.TryGetValue("watermark", out var text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
            ? at
            : null;
}
