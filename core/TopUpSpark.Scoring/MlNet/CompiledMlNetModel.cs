using System.Collections.Frozen;
using TopUpSpark.Scoring.Spark;

namespace TopUpSpark.Scoring.MlNet;

/// <summary>
/// A model trained by <c>topup-models train</c>, compiled by <see cref="MlNetModelCompiler"/> into the scorers the
/// converted Spark models use; it gives ML.NET's probabilities to the bit without running ML.NET. Per row, as the
/// model's own pipeline does: each number becomes a float and a NaN its column's training mean; each categorical
/// value is looked up among the column's tokens (ML.NET's bag of "column=value" tokens, with one for null), so
/// the column's one-hot state is the position of its token, or none for a value never seen in training.
/// Immutable and thread-safe.
/// </summary>
public sealed class CompiledMlNetModel : IMlNetTopUpModel
{
    private readonly float[] _replacements;
    private readonly FrozenDictionary<string, int>[] _positions;
    private readonly int[] _nullPositions;
    private readonly IClassifierScorer _classifier;

    /// <param name="replacements">Per numeric input: the value a NaN becomes.</param>
    /// <param name="positions">Per categorical input: value → position among the column's tokens.</param>
    /// <param name="nullPositions">Per categorical input: the position of its null token, or <see cref="FeatureLayout.AllZero"/>.</param>
    /// <param name="scorer">What the classifier is, for <see cref="Kind"/>.</param>
    internal CompiledMlNetModel(MlNetModelFile.Manifest manifest, float[] replacements, FrozenDictionary<string, int>[] positions, int[] nullPositions,
        IClassifierScorer classifier, string scorer)
    {
        Manifest = manifest;
        _replacements = replacements;
        _positions = positions;
        _nullPositions = nullPositions;
        _classifier = classifier;
        Kind = manifest.Kind("compiled: " + scorer);
    }

    public string Kind { get; }
    public MlNetModelFile.Manifest Manifest { get; }

    public ModelScore Score(ReadOnlySpan<double> numeric, ReadOnlySpan<string?> categorical)
    {
        Manifest.RequireRow(numeric.Length, categorical.Length);
        Span<double> features = _replacements.Length <= 128 ? stackalloc double[_replacements.Length] : new double[_replacements.Length];
        for (var i = 0; i < features.Length; i++)
        {
            // The model sees floats (MlNetInputRow), and ReplaceMissingValues swaps NaN for the column's mean.
            var value = (float)numeric[i];
            features[i] = float.IsNaN(value) ? _replacements[i] : value;
        }
        Span<int> oneHotStates = _positions.Length <= 128 ? stackalloc int[_positions.Length] : new int[_positions.Length];
        for (var c = 0; c < oneHotStates.Length; c++)
        {
            var value = categorical[c];
            oneHotStates[c] = value is null ? _nullPositions[c]
                : _positions[c].TryGetValue(value, out var position) ? position
                : FeatureLayout.AllZero;
        }
        double probability = _classifier.Score(features, oneHotStates, Span<int>.Empty).Probability1;
        return new ModelScore(probability >= Manifest.Threshold ? 1 : 0, probability);
    }
}
