namespace TopUpSpark.Streaming.Execution;

/// <summary>
/// Per-input event-time watermarks and the global one. An input's watermark is the largest event time it
/// saw in completed batches minus its delay, and never moves back. The global watermark is the minimum
/// over inputs (Spark's <c>multipleWatermarkPolicy=min</c>); while any input has seen no data there is none.
/// </summary>
public sealed class WatermarkTracker
{
    private readonly Dictionary<string, DateTimeOffset?> _byInput = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TimeSpan> _delays = new(StringComparer.Ordinal);

    public WatermarkTracker(IEnumerable<(string Input, TimeSpan Delay)> inputs)
    {
        foreach (var (input, delay) in inputs)
        {
            _delays[input] = delay;
            _byInput[input] = null;
        }
    }

    public IReadOnlyDictionary<string, DateTimeOffset?> ByInput => _byInput;

    public DateTimeOffset? Global =>
        _byInput.Count == 0 || _byInput.Values.Any(w => w is null) ? null : _byInput.Values.Min();

    /// <summary>Moves each input's watermark forward with the largest event time it saw in a batch.</summary>
    public void Advance(IReadOnlyDictionary<string, DateTimeOffset> maxEventTimeByInput)
    {
        foreach (var (input, max) in maxEventTimeByInput)
        {
            var candidate = max - _delays[input];
            if (_byInput[input] is not { } current || candidate > current) _byInput[input] = candidate;
        }
    }

    public void Restore(IReadOnlyDictionary<string, DateTimeOffset?> saved)
    {
        foreach (var (input, watermark) in saved)
            if (_byInput.ContainsKey(input)) _byInput[input] = watermark;
    }
}
