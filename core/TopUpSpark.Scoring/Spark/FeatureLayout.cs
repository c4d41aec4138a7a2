namespace TopUpSpark.Scoring.Spark;

/// <summary>
/// The classifier's feature vector, described instead of built: each feature is either a scalar column
/// (a numeric input or a string-indexer output) or one position of a one-hot column. Per row the scorer
/// only computes the few scalar features and the one active position of each one-hot column; everything
/// else is known to be 0 (or NaN for a null vector kept by the assembler). A StandardScaler after the
/// assembler is folded in here, with Spark's exact arithmetic. A one-hot column's positions need not be
/// contiguous: Spark's assembler lays each vector out as one block, while ML.NET's bag of tokens numbers
/// the values of all columns together, in order of first appearance.
/// </summary>
internal sealed class FeatureLayout
{
    /// <summary>One-hot state meaning "this vector column is null" (assembler keep: every position NaN).</summary>
    public const int NullVector = -2;

    /// <summary>One-hot state meaning "no position is hot" (dropped last category, kept invalid value, unseen token).</summary>
    public const int AllZero = -1;

    private readonly FeatureSource[] _sources;
    private readonly double[] _hotValues;
    private readonly double[] _coldValues;
    private readonly StandardScaling? _scaling;

    /// <param name="sources">Feature j's source; a scalar source's <see cref="FeatureSource.Slot"/> is its scalar feature index.</param>
    /// <param name="scalarFeatureSlots">For scalar feature m: the scalar slot it reads.</param>
    public FeatureLayout(FeatureSource[] sources, int[] scalarFeatureSlots, StandardScaling? scaling)
    {
        _sources = sources;
        ScalarFeatureSlots = scalarFeatureSlots;
        ScalarFeatureIndexes = new int[scalarFeatureSlots.Length];
        for (var j = 0; j < sources.Length; j++)
            if (!sources[j].IsOneHot) ScalarFeatureIndexes[sources[j].Slot] = j;
        _scaling = scaling;
        if (scaling is not null && scaling.Size != _sources.Length)
            throw new ModelFileException(
                $"{scaling.StageName}: mean/std have {scaling.Size} values but the assembled vector has {_sources.Length} features");
        _hotValues = new double[_sources.Length];
        _coldValues = new double[_sources.Length];
        for (var j = 0; j < _sources.Length; j++)
        {
            _hotValues[j] = Transform(j, 1.0);
            _coldValues[j] = Transform(j, 0.0);
        }
    }

    /// <summary>The layout of a Spark VectorAssembler's output: its inputs one after the other.</summary>
    public static FeatureLayout FromAssembler(IReadOnlyList<FeatureBlock> blocks, StandardScaling? scaling)
    {
        var sources = new List<FeatureSource>();
        var scalarFeatureSlots = new List<int>();
        foreach (var block in blocks)
        {
            if (block.OneHotIndex < 0)
            {
                sources.Add(new FeatureSource(IsOneHot: false, Slot: scalarFeatureSlots.Count, Position: 0));
                scalarFeatureSlots.Add(block.ScalarSlot);
            }
            else
            {
                for (var position = 0; position < block.Size; position++)
                    sources.Add(new FeatureSource(IsOneHot: true, Slot: block.OneHotIndex, Position: position));
            }
        }
        return new FeatureLayout(sources.ToArray(), scalarFeatureSlots.ToArray(), scaling);
    }

    public int Size => _sources.Length;

    /// <summary>For scalar feature m: the scalar slot it reads.</summary>
    public int[] ScalarFeatureSlots { get; }

    /// <summary>For scalar feature m: its index in the assembled vector.</summary>
    public int[] ScalarFeatureIndexes { get; }

    public bool IsDense => _scaling?.WithMean == true;

    public FeatureSource Source(int feature) => _sources[feature];

    /// <summary>The scaled value of feature j given the raw (assembled) value.</summary>
    public double Transform(int feature, double value) => _scaling is null ? value : _scaling.Apply(feature, value);

    public double HotValue(int feature) => _hotValues[feature];

    public double ColdValue(int feature) => _coldValues[feature];

    /// <summary>NaN through the scaler stays NaN: (NaN − mean) · scale and NaN · scale are NaN.</summary>
    public double NullValue(int feature) => Transform(feature, double.NaN);

    /// <summary>Fills the scaled scalar features of one row from its scalar columns.</summary>
    public void FillScalarFeatures(ReadOnlySpan<double> scalars, Span<double> features)
    {
        var slots = ScalarFeatureSlots;
        if (_scaling is null)
        {
            for (var m = 0; m < slots.Length; m++) features[m] = scalars[slots[m]];
            return;
        }
        var indexes = ScalarFeatureIndexes;
        for (var m = 0; m < slots.Length; m++) features[m] = _scaling.Apply(indexes[m], scalars[slots[m]]);
    }

    /// <summary>Feature j's value in one row (used where every feature is needed: dense dot products).</summary>
    public double Value(int feature, ReadOnlySpan<double> scalarFeatures, ReadOnlySpan<int> oneHotStates)
    {
        var source = _sources[feature];
        if (!source.IsOneHot) return scalarFeatures[source.Slot];
        var state = oneHotStates[source.Slot];
        if (state == NullVector) return NullValue(feature);
        return state == source.Position ? _hotValues[feature] : _coldValues[feature];
    }
}

/// <summary>Where feature j comes from: scalar feature <c>Slot</c>, or position <c>Position</c> of one-hot column <c>Slot</c>.</summary>
internal readonly record struct FeatureSource(bool IsOneHot, int Slot, int Position);

/// <summary>One assembler input: a scalar column (OneHotIndex = −1) or a one-hot vector of <c>Size</c> positions.</summary>
internal sealed record FeatureBlock(string Column, int ScalarSlot, int OneHotIndex, int Size);

/// <summary>
/// StandardScalerModel as Spark applies it: scale = 1/std (0 where std is 0), then
/// (x − mean)·scale, x − mean, or x·scale. With only scaling, a zero stays exactly zero (Spark keeps
/// sparse zeros untouched).
/// </summary>
internal sealed class StandardScaling
{
    private readonly double[] _mean;
    private readonly double[] _scale;

    public StandardScaling(StandardScalerStage stage)
    {
        StageName = stage.ToString();
        WithMean = stage.WithMean;
        WithStd = stage.WithStd;
        if (stage.Mean.Count != stage.Std.Count)
            throw new ModelFileException($"{StageName}: mean has {stage.Mean.Count} values but std has {stage.Std.Count}");
        _mean = stage.Mean.ToArray();
        _scale = stage.Std.Select(v => v == 0 ? 0.0 : 1.0 / v).ToArray();
    }

    public string StageName { get; }
    public bool WithMean { get; }
    public bool WithStd { get; }
    public int Size => _mean.Length;

    public double Apply(int feature, double value)
    {
        if (WithMean && WithStd) return (value - _mean[feature]) * _scale[feature];
        if (WithMean) return value - _mean[feature];
        if (WithStd) return value == 0 ? value : value * _scale[feature];
        return value;
    }
}
