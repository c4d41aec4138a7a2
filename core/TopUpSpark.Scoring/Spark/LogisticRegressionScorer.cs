namespace TopUpSpark.Scoring.Spark;

/// <summary>
/// Binary LogisticRegressionModel: margin = features·coefficients + intercept, probability(k) =
/// 1/(1 + exp(−raw(k))) with raw = [−margin, margin], prediction = raw(1) &gt; log(t/(1 − t)).
/// The dot product runs in feature order over the vector's stored entries (Spark's sparse dot); a
/// mean-centring scaler makes every entry stored.
/// </summary>
internal sealed class LogisticRegressionScorer : IClassifierScorer
{
    private readonly FeatureLayout _layout;
    private readonly IReadOnlyList<FeatureBlock> _blocks;
    private readonly double[] _coefficients;
    private readonly double _intercept;
    private readonly double _rawThreshold;

    /// <param name="blocks">The assembler's inputs in order: the vector's stored entries, block by block.</param>
    public LogisticRegressionScorer(LogisticRegressionStage stage, FeatureLayout layout, IReadOnlyList<FeatureBlock> blocks)
    {
        if (stage.Coefficients.Count != layout.Size)
            throw new ModelFileException($"{stage}: {stage.Coefficients.Count} coefficients for a {layout.Size}-feature vector");
        if (!(stage.Threshold >= 0 && stage.Threshold <= 1))
            throw new ModelFileException($"{stage}: threshold {stage.Threshold} is outside [0, 1]");
        _layout = layout;
        _blocks = blocks;
        _coefficients = stage.Coefficients.ToArray();
        _intercept = stage.Intercept;
        var t = stage.Threshold;
        _rawThreshold = t == 0.0 ? double.NegativeInfinity : t == 1.0 ? double.PositiveInfinity : Math.Log(t / (1.0 - t));
    }

    public int TreeCount => 0;

    public RawScore Score(ReadOnlySpan<double> scalarFeatures, ReadOnlySpan<int> oneHotStates, Span<int> leafIds)
    {
        var dot = _layout.IsDense ? DenseDot(scalarFeatures, oneHotStates) : SparseDot(scalarFeatures, oneHotStates);
        var margin = dot + _intercept;
        var raw0 = -margin;
        var probability0 = 1.0 / (1.0 + Math.Exp(-raw0));
        var probability1 = 1.0 / (1.0 + Math.Exp(-margin));
        return new RawScore(raw0, margin, probability0, probability1, margin > _rawThreshold ? 1 : 0);
    }

    private double DenseDot(ReadOnlySpan<double> scalarFeatures, ReadOnlySpan<int> oneHotStates)
    {
        var sum = 0.0;
        for (var j = 0; j < _coefficients.Length; j++)
            sum += _layout.Value(j, scalarFeatures, oneHotStates) * _coefficients[j];
        return sum;
    }

    private double SparseDot(ReadOnlySpan<double> scalarFeatures, ReadOnlySpan<int> oneHotStates)
    {
        var sum = 0.0;
        var offset = 0;
        var scalar = 0;
        foreach (var block in _blocks)
        {
            if (block.OneHotIndex < 0)
            {
                var value = scalarFeatures[scalar++];
                if (value != 0) sum += value * _coefficients[offset];
                offset++;
                continue;
            }
            var state = oneHotStates[block.OneHotIndex];
            if (state >= 0)
            {
                var value = _layout.HotValue(offset + state);
                if (value != 0) sum += value * _coefficients[offset + state];
            }
            else if (state == FeatureLayout.NullVector)
            {
                for (var p = 0; p < block.Size; p++) sum += _layout.NullValue(offset + p) * _coefficients[offset + p];
            }
            offset += block.Size;
        }
        return sum;
    }
}
