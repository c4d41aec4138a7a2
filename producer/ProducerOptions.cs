using TopUpSpark.Core;
using TopUpSpark.Core.Cli;

namespace TopUpSpark.Producer;

/// <summary>How <see cref="TopUpProducer"/> sends (docs/producer.md explains each setting).</summary>
public sealed record ProducerOptions
{
    public string CustomerTopic { get; init; } = Topics.Customer;
    public string BureauTopic { get; init; } = Topics.Bureau;

    /// <summary>Time between batches; in replay mode, the event-time step between batches.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Fewest customers per batch (inclusive).</summary>
    public int MinCustomers { get; init; } = 10;

    /// <summary>Most customers per batch (inclusive).</summary>
    public int MaxCustomers { get; init; } = 30;

    /// <summary>Seed of the batch sizes; null draws a fresh one.</summary>
    public int? Seed { get; init; }

    /// <summary>Stop after this many batches; null runs until stopped (or until the end with <see cref="StopAtEnd"/>).</summary>
    public long? MaxBatches { get; init; }

    /// <summary>Stop after the last customer instead of starting again from the top.</summary>
    public bool StopAtEnd { get; init; }

    /// <summary>Send as fast as possible; batch k gets ts = <see cref="ReplayStart"/> + k·<see cref="Interval"/>.</summary>
    public bool Replay { get; init; }

    /// <summary>Event time of the first replayed batch; null means now.</summary>
    public DateTimeOffset? ReplayStart { get; init; }

    /// <summary>
    /// Customers of each batch (a random number in this range, at most the batch's) held back and sent with
    /// the next batch, keeping their ts; <see cref="CountRange.None"/> sends everything on time.
    /// </summary>
    public CountRange Late { get; init; } = CountRange.None;

    /// <summary>Seed of which and how many customers are held back; null draws a fresh one.</summary>
    public int? LateSeed { get; init; }

    public string ClientId { get; init; } = "topup-producer";

    public void Validate()
    {
        if (MinCustomers < 1)
            throw new ArgumentException($"the fewest customers per batch must be at least 1 (got {MinCustomers})");
        if (MaxCustomers < MinCustomers)
            throw new ArgumentException($"the most customers per batch ({MaxCustomers}) is below the fewest ({MinCustomers})");
        if (Interval <= TimeSpan.Zero)
            throw new ArgumentException($"the interval must be positive (got {Interval.TotalSeconds} s)");
        if (MaxBatches is < 1)
            throw new ArgumentException($"the number of batches must be at least 1 (got {MaxBatches})");
        if (Late.Min < 0 || Late.Min > Late.Max)
            throw new ArgumentException($"the late range must be MIN-MAX with 0 ≤ MIN ≤ MAX (got {Late})");
        if (string.IsNullOrWhiteSpace(CustomerTopic) || string.IsNullOrWhiteSpace(BureauTopic))
            throw new ArgumentException("topic names must not be empty");
    }
}
