using System.Collections.Frozen;
using TopUpSpark.Scoring.Spark;

namespace TopUpSpark.Scoring.MlNet;

/// <summary>
/// A model trained by <c>topup-models train</c>, built from its <see cref="MlNetScorerDefinition"/> into the scorers the
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

    private CompiledMlNetModel(MlNetManifest manifest, MlNetScorerDefinition definition, bool compiledAtLoad, FrozenDictionary<string, int>[] positions,
        int[] nullPositions, IClassifierScorer classifier, string scorer)
    {
        Manifest = manifest;
        Definition = definition;
        CompiledAtLoad = compiledAtLoad;
        _replacements = definition.Replacements;
        _positions = positions;
        _nullPositions = nullPositions;
        _classifier = classifier;
        Kind = manifest.Kind((compiledAtLoad ? "compiled at load: " : "compiled: ") + scorer);
    }

    public string Kind { get; }
    public MlNetManifest Manifest { get; }

    /// <summary>What the model was built from, to store in the model file.</summary>
    internal MlNetScorerDefinition Definition { get; }

    /// <summary>
    /// Compiled from the ML.NET model when loaded, because its file holds no compiled scorer (written before train
    /// stored one): loading it started ML.NET. Training the model again gives a file that loads without.
    /// </summary>
    public bool CompiledAtLoad { get; }

    /// <summary>The scorer <paramref name="definition"/> describes, for a model with <paramref name="manifest"/>'s inputs.</summary>
    /// <param name="compiledAtLoad">The definition was read from ML.NET's objects while loading (see <see cref="CompiledAtLoad"/>).</param>
    /// <exception cref="ModelFileException">The definition does not fit the inputs, or holds a tree or weights no scorer can follow.</exception>
    internal static CompiledMlNetModel Build(MlNetManifest manifest, MlNetScorerDefinition definition, bool compiledAtLoad)
    {
        if (definition.Replacements.Length != manifest.NumericInputs.Count)
            throw new ModelFileException($"{definition.Replacements.Length} NaN replacements for {manifest.NumericInputs.Count} numeric inputs");
        var missing = Array.FindIndex(definition.Replacements, float.IsNaN);
        if (missing >= 0)
            throw new ModelFileException($"'{manifest.NumericInputs[missing]}' has no mean to replace NaN with, so ML.NET's trees would see NaN");
        var (layout, positions, nullPositions) = Layout(manifest, definition.Tokens);
        var calibration = new PlattCalibration(definition.PlattSlope, definition.PlattOffset);
        var (classifier, scorer) = definition switch
        {
            { Trees: { } trees, Linear: null } when trees.All(tree => tree is not null) =>
                ((IClassifierScorer)TreeEnsembleScorer.FromMlNet(trees, layout, calibration, definition.Model), $"{trees.Count} trees"),
            { Trees: null, Linear: { } linear } =>
                (new MlNetLinearScorer(linear.Weights, linear.Bias, linear.Scales, layout, manifest.CategoricalInputs.Count, calibration),
                    $"linear, {layout.Size} features"),
            _ => throw new ModelFileException($"{definition.Model}: a compiled model holds either trees or linear weights"),
        };
        return new CompiledMlNetModel(manifest, definition, compiledAtLoad, positions, nullPositions, classifier, scorer);
    }

    /// <summary>The values of categorical input <paramref name="column"/> that have a token (null's aside).</summary>
    internal IEnumerable<string> KnownValues(int column) => _positions[column].Keys;

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

    /// <summary>
    /// The features vector as <see cref="FeatureLayout"/> describes it: the numbers, then each token as a position
    /// of its column's one-hot state, numbered per column in the bag's order.
    /// </summary>
    private static (FeatureLayout Layout, FrozenDictionary<string, int>[] Positions, int[] NullPositions) Layout(MlNetManifest manifest, string[] tokens)
    {
        if (manifest.CategoricalInputs.Any(name => name.Contains('=') || name.Contains('\0')))
            throw new ModelFileException("a categorical input's name holds '=' or NUL, so its tokens are ambiguous");
        var numericCount = manifest.NumericInputs.Count;
        var columns = manifest.CategoricalInputs.Select((name, index) => (name, index)).ToDictionary(c => c.name, c => c.index, StringComparer.Ordinal);
        var positions = manifest.CategoricalInputs.Select(_ => new Dictionary<string, int>(StringComparer.Ordinal)).ToArray();
        var nullPositions = Enumerable.Repeat(FeatureLayout.AllZero, columns.Count).ToArray();
        var sources = new FeatureSource[numericCount + tokens.Length];
        for (var m = 0; m < numericCount; m++) sources[m] = new FeatureSource(IsOneHot: false, Slot: m, Position: 0);
        for (var k = 0; k < tokens.Length; k++)
        {
            if (tokens[k] is null || !MlNetInputRow.TryParseToken(tokens[k], out var name, out var value) || !columns.TryGetValue(name, out var column))
                throw new ModelFileException($"token '{tokens[k]}' belongs to no categorical input");
            if (value is null ? nullPositions[column] >= 0 : positions[column].ContainsKey(value))
                throw new ModelFileException($"token '{tokens[k]}' comes twice");
            var position = positions[column].Count + (nullPositions[column] >= 0 ? 1 : 0);
            if (value is null) nullPositions[column] = position;
            else positions[column].Add(value, position);
            sources[numericCount + k] = new FeatureSource(IsOneHot: true, Slot: column, Position: position);
        }
        var layout = new FeatureLayout(sources, Enumerable.Range(0, numericCount).ToArray(), scaling: null);
        return (layout, positions.Select(p => p.ToFrozenDictionary(StringComparer.Ordinal)).ToArray(), nullPositions);
    }
}
