using TopUpSpark.Core.Cli;

namespace TopUpSpark.Producer;

/// <summary>
/// <c>--late MIN-MAX</c>: of each batch's units (a customer with its bureau rows, or one record) a random
/// number in the range, chosen at random, is held back and sent with the next batch, keeping the event
/// time of the batch it belongs to — so the stream carries real late data for a watermark to handle.
/// Seeded on its own (<c>--late-seed</c>), so the batch sizes stay those of <c>--seed</c> with or without it.
/// </summary>
internal sealed class LateHoldBack<TUnit>(CountRange late, int? seed)
{
    private readonly Random _random = seed is { } s ? new Random(s) : new Random();

    /// <summary>The units held back from the previous batch and that batch's ts; empty before the first hold-back.</summary>
    public (long Ts, IReadOnlyList<TUnit> Units) Pending { get; private set; } = (0, []);

    /// <summary>
    /// Splits a batch into the units sent now and those held back for the next batch (at most all of them;
    /// none when <paramref name="last"/>, since no next batch would send them), and returns the units held
    /// back from the previous batch, now due. Order within each part is the batch's order.
    /// </summary>
    public (IReadOnlyList<TUnit> OnTime, (long Ts, IReadOnlyList<TUnit> Units) Due) Split(IReadOnlyList<TUnit> batch, long ts, bool last)
    {
        var due = Pending;
        var count = late.IsNone || last ? 0 : Math.Min(late.Draw(_random), batch.Count);
        if (count == 0)
        {
            Pending = (ts, []);
            return (batch, due);
        }
        // A random choice of which units, not the batch's tail: late rows then come from anywhere in a batch.
        var held = new HashSet<int>(Enumerable.Range(0, batch.Count).OrderBy(_ => _random.Next()).Take(count));
        var onTime = new List<TUnit>(batch.Count - count);
        var heldBack = new List<TUnit>(count);
        for (var i = 0; i < batch.Count; i++)
            (held.Contains(i) ? heldBack : onTime).Add(batch[i]);
        Pending = (ts, heldBack);
        return (onTime, due);
    }

    /// <summary>The units still held back when the run stops early, to be sent before the final flush; clears them.</summary>
    public (long Ts, IReadOnlyList<TUnit> Units) TakePending()
    {
        var pending = Pending;
        Pending = (0, []);
        return pending;
    }
}
