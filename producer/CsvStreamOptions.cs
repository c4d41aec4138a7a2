using TopUpSpark.Core.Cli;

namespace TopUpSpark.Producer;

/// <summary>How <see cref="CsvStreamProducer"/> replays a CSV (docs/producer.md, "Any CSV as a stream").</summary>
public sealed record CsvStreamOptions
{
    public required string File { get; init; }
    public required string Topic { get; init; }

    /// <summary>Column whose value keys each message (Kafka places messages by key).</summary>
    public required string KeyColumn { get; init; }

    /// <summary>Column whose values each get <see cref="Count"/> rows per batch; null takes the rows from the whole file.</summary>
    public string? GroupByColumn { get; init; }

    /// <summary>Rows per batch (per group value with <see cref="GroupByColumn"/>), drawn afresh each time.</summary>
    public CountRange Count { get; init; } = new(1, 5);

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Rows of each batch held back and sent with the next one, keeping their ts.</summary>
    public CountRange Late { get; init; } = CountRange.None;

    public int? Seed { get; init; }
    public int? LateSeed { get; init; }
    public long? MaxBatches { get; init; }

    /// <summary>The field every message gets with the batch's Unix time in seconds (DESIGN §3).</summary>
    public string EventTimeField { get; init; } = "ts";

    public string ClientId { get; init; } = "topup-producer-stream";

    public void Validate()
    {
        if (Count.Min < 1 || Count.Min > Count.Max)
            throw new ArgumentException($"the rows per batch must be MIN-MAX with 1 ≤ MIN ≤ MAX (got {Count})");
        if (Late.Min < 0 || Late.Min > Late.Max)
            throw new ArgumentException($"the late range must be MIN-MAX with 0 ≤ MIN ≤ MAX (got {Late})");
        if (Interval <= TimeSpan.Zero)
            throw new ArgumentException($"the interval must be positive (got {Interval})");
        if (MaxBatches is < 1)
            throw new ArgumentException($"the number of batches must be at least 1 (got {MaxBatches})");
    }
}

/// <summary>One row as the stream sends it: its key, its group value (null without --group-by) and its place among the file's rows.</summary>
public sealed record StreamRow(string Key, string? Group, int Index);

/// <summary>
/// One batch of <see cref="CsvStreamProducer"/>: the rows sent with <see cref="Ts"/>, those held back for the
/// next batch, and the previous batch's held-back rows sent now with their own <see cref="LateTs"/>.
/// </summary>
public sealed record StreamBatch(long Number, long Ts, IReadOnlyList<StreamRow> OnTime, IReadOnlyList<StreamRow> HeldBack, long LateTs, IReadOnlyList<StreamRow> Late);
