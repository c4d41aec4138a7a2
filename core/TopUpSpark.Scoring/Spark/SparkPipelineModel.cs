namespace TopUpSpark.Scoring.Spark;

/// <summary>
/// A Spark PipelineModel compiled for scoring: per row, string indexing by dictionary lookup, one-hot
/// encoding as "which position is hot", the assembler's null rule, then the classifier on that compact
/// description of the feature vector. Results equal Spark's (see docs/models.md for the exact rules).
/// Immutable and thread-safe.
/// </summary>
public sealed class SparkPipelineModel : ITopUpModel
{
    private readonly IndexerPlan[] _indexers;
    private readonly EncoderPlan[] _encoders;
    private readonly AssemblerCheck[] _assemblers;
    private readonly FeatureLayout _layout;
    private readonly IClassifierScorer _classifier;
    private readonly string[] _numericInputs;
    private readonly string[] _categoricalInputs;
    private readonly int _scalarCount;

    internal SparkPipelineModel(
        SparkPipelineDefinition definition,
        string[] numericInputs,
        string[] categoricalInputs,
        IndexerPlan[] indexers,
        EncoderPlan[] encoders,
        AssemblerCheck[] assemblers,
        FeatureLayout layout,
        IClassifierScorer classifier,
        SparkStage classifierStage,
        AssemblerInvalidHandling assemblerHandling)
    {
        Definition = definition;
        _numericInputs = numericInputs;
        _categoricalInputs = categoricalInputs;
        _indexers = indexers;
        _encoders = encoders;
        _assemblers = assemblers;
        _layout = layout;
        _classifier = classifier;
        _scalarCount = numericInputs.Length + indexers.Length;
        ClassifierClass = classifierStage.ClassName;
        AssemblerHandling = assemblerHandling;
        Kind = classifier.TreeCount > 0
            ? $"spark-pipeline ({ClassifierClass}, {classifier.TreeCount} trees)"
            : $"spark-pipeline ({ClassifierClass}, {layout.Size} features)";
    }

    public string Kind { get; }
    public IReadOnlyList<string> NumericInputs => _numericInputs;
    public IReadOnlyList<string> CategoricalInputs => _categoricalInputs;

    /// <summary>The stages as imported (params and fitted values).</summary>
    public SparkPipelineDefinition Definition { get; }

    /// <summary>Spark class name of the final stage, e.g. GBTClassificationModel.</summary>
    public string ClassifierClass { get; }

    /// <summary>Size of the feature vector the classifier reads.</summary>
    public int FeatureCount => _layout.Size;

    public int TreeCount => _classifier.TreeCount;

    /// <summary>The handleInvalid in force for the classifier's VectorAssembler (as saved, or overridden).</summary>
    public AssemblerInvalidHandling AssemblerHandling { get; }

    public ModelScore Score(ReadOnlySpan<double> numeric, ReadOnlySpan<string?> categorical)
    {
        var raw = Evaluate(numeric, categorical, Span<int>.Empty);
        return new ModelScore(raw.Prediction, raw.Probability1);
    }

    /// <summary>
    /// Scores like <see cref="Score"/> and also returns Spark's raw prediction and both probabilities, with
    /// the Spark node id of the leaf reached in each tree (for explaining a result).
    /// </summary>
    public (RawScore Score, int[] LeafIds) Explain(ReadOnlySpan<double> numeric, ReadOnlySpan<string?> categorical)
    {
        var leafIds = new int[_classifier.TreeCount];
        return (Evaluate(numeric, categorical, leafIds), leafIds);
    }

    private RawScore Evaluate(ReadOnlySpan<double> numeric, ReadOnlySpan<string?> categorical, Span<int> leafIds)
    {
        if (numeric.Length != _numericInputs.Length)
            throw new ArgumentException($"expected {_numericInputs.Length} numeric inputs ({string.Join(", ", _numericInputs)}), got {numeric.Length}", nameof(numeric));
        if (categorical.Length != _categoricalInputs.Length)
            throw new ArgumentException($"expected {_categoricalInputs.Length} categorical inputs ({string.Join(", ", _categoricalInputs)}), got {categorical.Length}", nameof(categorical));

        Span<double> scalars = _scalarCount <= 128 ? stackalloc double[_scalarCount] : new double[_scalarCount];
        numeric.CopyTo(scalars);
        for (var i = 0; i < _indexers.Length; i++)
            scalars[_numericInputs.Length + i] = Index(_indexers[i], categorical[_indexers[i].CategoricalInput]);

        Span<int> oneHotStates = _encoders.Length <= 128 ? stackalloc int[_encoders.Length] : new int[_encoders.Length];
        for (var i = 0; i < _encoders.Length; i++)
            oneHotStates[i] = Encode(_encoders[i], scalars[_encoders[i].ScalarSlot]);

        foreach (var assembler in _assemblers)
            CheckAssembler(assembler, scalars, oneHotStates);

        var scalarFeatureCount = _layout.ScalarFeatureSlots.Length;
        Span<double> scalarFeatures = scalarFeatureCount <= 128 ? stackalloc double[scalarFeatureCount] : new double[scalarFeatureCount];
        _layout.FillScalarFeatures(scalars, scalarFeatures);
        return _classifier.Score(scalarFeatures, oneHotStates, leafIds);
    }

    /// <summary>StringIndexerModel: the label's index; null or unseen → number of labels with keep.</summary>
    private static double Index(IndexerPlan indexer, string? label)
    {
        if (label is not null && indexer.Labels.TryGetValue(label, out var index)) return index;
        var what = label is null ? "null value" : $"unseen label '{label}'";
        return indexer.Mode switch
        {
            AssemblerInvalidHandling.Keep => indexer.LabelCount,
            AssemblerInvalidHandling.Skip => throw new ScoringException(ScoringFailureKind.Skipped,
                $"{indexer.StageName}: {what} in column '{indexer.Column}' (handleInvalid=skip drops the row)"),
            _ => throw new ScoringException(ScoringFailureKind.Rejected,
                $"{indexer.StageName}: {what} in column '{indexer.Column}' (handleInvalid=error)"),
        };
    }

    /// <summary>
    /// OneHotEncoderModel: the hot position, <see cref="FeatureLayout.AllZero"/> when it falls beyond the
    /// vector (dropped last category, kept invalid value), <see cref="FeatureLayout.NullVector"/> for a null input.
    /// </summary>
    private static int Encode(EncoderPlan encoder, double label)
    {
        if (double.IsNaN(label)) return FeatureLayout.NullVector;
        double position;
        if (label >= 0 && label < encoder.CategorySize) position = label;
        else if (encoder.KeepInvalid) position = encoder.CategorySize;
        else
            throw new ScoringException(ScoringFailureKind.Rejected, label < 0
                ? $"{encoder.StageName}: negative value {label} in column '{encoder.Column}' (handleInvalid=error)"
                : $"{encoder.StageName}: unseen value {label} in column '{encoder.Column}', categories 0..{encoder.CategorySize - 1} (handleInvalid=error)");
        return position < encoder.Size ? (int)position : FeatureLayout.AllZero;
    }

    private static void CheckAssembler(AssemblerCheck assembler, ReadOnlySpan<double> scalars, ReadOnlySpan<int> oneHotStates)
    {
        if (assembler.Handling == AssemblerInvalidHandling.Keep) return;
        foreach (var block in assembler.Blocks)
        {
            var invalid = block.OneHotIndex < 0
                ? double.IsNaN(scalars[block.ScalarSlot])
                : oneHotStates[block.OneHotIndex] == FeatureLayout.NullVector;
            if (!invalid) continue;
            throw assembler.Handling == AssemblerInvalidHandling.Skip
                ? new ScoringException(ScoringFailureKind.Skipped,
                    $"{assembler.StageName}: column '{block.Column}' is null or NaN (handleInvalid=skip drops the row)")
                : new ScoringException(ScoringFailureKind.Rejected,
                    $"{assembler.StageName}: column '{block.Column}' is null or NaN (handleInvalid=error; the streaming job uses keep)");
        }
    }
}
