using TopUpSpark.Scoring.Spark;

namespace TopUpSpark.Scoring.MlNet;

/// <summary>
/// ML.NET's LinearBinaryModelParameters after NormalizeMinMax, in ML.NET's own float arithmetic
/// and order: a feature is value · scale, the score is bias + Σ weight · feature over the normalised vector's
/// stored (non-zero) entries in index order, and the Platt calibrator turns it into a probability. That is
/// ML.NET's scalar sparse dot product; <see cref="MlNetModelCompiler"/> compiles a linear model only where
/// ML.NET takes that path (fewer than 16 stored entries, and too few to make the vector dense). Zero
/// entries are added here too: with finite weights they leave a float sum unchanged.
/// </summary>
internal sealed class MlNetLinearScorer : IClassifierScorer
{
    private readonly float[] _numericWeights;
    private readonly float[] _numericScales;
    /// <summary>Per one-hot column and position: the feature's index in the vector, which decides the summing order.</summary>
    private readonly int[][] _positionFeatures;
    /// <summary>Per one-hot column and position: weight · scale, the product ML.NET adds for a hot token.</summary>
    private readonly float[][] _positionTerms;
    private readonly float _bias;
    private readonly PlattCalibration _calibration;

    /// <exception cref="ModelFileException">The vector does not hold the scalar features first, in order.</exception>
    public MlNetLinearScorer(IReadOnlyList<float> weights, float bias, IReadOnlyList<float> scales, FeatureLayout layout, int oneHotColumns,
        PlattCalibration calibration)
    {
        if (weights.Count != layout.Size || scales.Count != layout.Size)
            throw new ModelFileException($"{weights.Count} weights and {scales.Count} scales for a {layout.Size}-feature vector");
        var scalarCount = layout.ScalarFeatureIndexes.Length;
        if (!layout.ScalarFeatureIndexes.SequenceEqual(Enumerable.Range(0, scalarCount)))
            throw new ModelFileException("the numeric inputs are not the first features of the vector, in order");
        _numericWeights = weights.Take(scalarCount).ToArray();
        _numericScales = scales.Take(scalarCount).ToArray();
        var positions = new int[oneHotColumns];
        for (var j = scalarCount; j < layout.Size; j++)
        {
            var source = layout.Source(j);
            positions[source.Slot] = Math.Max(positions[source.Slot], source.Position + 1);
        }
        _positionFeatures = positions.Select(count => new int[count]).ToArray();
        _positionTerms = positions.Select(count => new float[count]).ToArray();
        for (var j = scalarCount; j < layout.Size; j++)
        {
            var source = layout.Source(j);
            _positionFeatures[source.Slot][source.Position] = j;
            // A hot token's normalised value is 1 · scale = scale exactly.
            _positionTerms[source.Slot][source.Position] = weights[j] * scales[j];
        }
        _bias = bias;
        _calibration = calibration;
    }

    public int TreeCount => 0;

    public RawScore Score(ReadOnlySpan<double> scalarFeatures, ReadOnlySpan<int> oneHotStates, Span<int> leafIds)
    {
        var dot = 0f;
        for (var m = 0; m < _numericWeights.Length; m++)
            dot += _numericWeights[m] * ((float)scalarFeatures[m] * _numericScales[m]);

        // The hot tokens in the order of their slots: insertion sort of at most one per column.
        Span<int> hotFeatures = stackalloc int[oneHotStates.Length];
        Span<float> hotTerms = stackalloc float[oneHotStates.Length];
        var hot = 0;
        for (var c = 0; c < oneHotStates.Length; c++)
        {
            var position = oneHotStates[c];
            if (position < 0) continue;
            var feature = _positionFeatures[c][position];
            var at = hot++;
            for (; at > 0 && hotFeatures[at - 1] > feature; at--)
            {
                hotFeatures[at] = hotFeatures[at - 1];
                hotTerms[at] = hotTerms[at - 1];
            }
            hotFeatures[at] = feature;
            hotTerms[at] = _positionTerms[c][position];
        }
        for (var k = 0; k < hot; k++) dot += hotTerms[k];

        var score = _bias + dot;
        var probability = _calibration.Probability(score);
        // ML.NET's own PredictedLabel (score > 0); a model's decision threshold is applied by its owner.
        return new RawScore(-score, score, 1.0 - probability, probability, score > 0 ? 1 : 0);
    }
}
