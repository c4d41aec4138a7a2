using System.Collections.Immutable;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using Microsoft.ML.Transforms;
using TopUpSpark.Scoring.Spark;

namespace TopUpSpark.Scoring.MlNet;

/// <summary>
/// Compiles the model <c>topup-models train</c> writes into the scorers the converted Spark models use. It
/// recognises the pipeline train builds, step by step, and reads every fitted value from the ML.NET objects into an
/// <see cref="MlNetScorerDefinition"/>:
/// <list type="number">
/// <item>ReplaceMissingValues on the numbers (per-slot training means; read by passing ML.NET a row of NaNs);</item>
/// <item>OneHotEncoding of the "column=value" tokens as one bag (the tokens are the key values of its key column);</item>
/// <item>Concatenate(filled numbers, bag) into the features vector;</item>
/// <item>for logistic regression, NormalizeMinMax (scale per feature, no offset);</item>
/// <item>the trainer's model behind a Platt calibrator: FastTree or LightGBM trees (TrainedTreeEnsemble), or
/// L-BFGS logistic regression (LinearBinaryModelParameters weights and bias).</item>
/// </list>
/// Then it scores check rows with the compiled scorer and with ML.NET (every token, null, empty and unseen
/// values, NaN, every tree threshold and its float neighbours) and requires the same probability to the bit.
/// Anything else — another step, calibrator or trainer, a categorical tree split, a linear model ML.NET would
/// score with its vectorised dot product, a disagreement — is refused with the reason, and the model stays on
/// ML.NET's engine.
/// </summary>
internal static class MlNetModelCompiler
{
    /// <summary>CpuMathUtils.MinInputSize: from this many stored entries on, ML.NET's dot product is vectorised and sums in another order.</summary>
    private const int VectorisedDotMinimum = 16;

    /// <param name="atLoad">Compiled while loading a file without a compiled scorer (<see cref="CompiledMlNetModel.CompiledAtLoad"/>), not to write one.</param>
    /// <returns>The compiled model, or null and the reason it could not be compiled exactly.</returns>
    public static (CompiledMlNetModel? Model, string? WhyNot) Compile(MLContext context, ITransformer model, DataViewSchema inputSchema,
        MlNetManifest manifest, bool atLoad)
    {
        try
        {
            var compiled = CompiledMlNetModel.Build(manifest, Define(context, model, inputSchema, manifest), atLoad);
            var disagreement = FirstDisagreement(context, model, compiled, CheckValuesOf(compiled));
            return disagreement is null ? (compiled, null) : (null, disagreement);
        }
        catch (Exception e) when (e is ModelFileException or InvalidOperationException or ArgumentException)
        {
            return (null, e.Message);
        }
    }

    private static MlNetScorerDefinition Define(MLContext context, ITransformer model, DataViewSchema inputSchema, MlNetManifest manifest)
    {
        if (model is not IEnumerable<ITransformer> chain) throw NotCompiled("the model is not a chain of steps");
        var steps = chain.ToList();
        var numericCount = manifest.NumericInputs.Count;
        var categoricalCount = manifest.CategoricalInputs.Count;
        var schema = inputSchema;
        var step = 0;

        // The step after the current one, and the columns it adds.
        (T Transform, DataViewSchema.Column[] Added) Next<T>(string expected) where T : class, ITransformer
        {
            if (step >= steps.Count || steps[step] is not T transform)
                throw NotCompiled($"step {step + 1} is {(step < steps.Count ? steps[step].GetType().Name : "missing")}, where {expected} was expected");
            step++;
            var output = transform.GetOutputSchema(schema);
            var added = output.Skip(schema.Count).ToArray();
            schema = output;
            return (transform, added);
        }

        var (replacer, filled) = Next<MissingValueReplacingTransformer>("ReplaceMissingValues of the numbers");
        if (filled is not [var filledColumn] || !IsFloatVector(filledColumn, numericCount))
            throw NotCompiled($"ReplaceMissingValues adds {Describe(filled)}, not the {numericCount} filled numbers");
        var replacements = Replacements(context, replacer, filledColumn.Name, manifest);

        var (oneHot, bagColumns) = Next<TransformerChain<ITransformer>>("OneHotEncoding of the tokens");
        if (oneHot.ToArray() is not [ValueToKeyMappingTransformer, KeyToVectorMappingTransformer]
            || bagColumns is not [{ Type: VectorDataViewType { ItemType: KeyDataViewType } keys } keyColumn, var bag]
            || keys.Size != categoricalCount
            || !keyColumn.HasKeyValues(TextDataViewType.Instance))
            throw NotCompiled($"the one-hot step adds {Describe(bagColumns)}, not a bag of the {categoricalCount} tokens' keys");
        var keyValues = default(VBuffer<ReadOnlyMemory<char>>);
        keyColumn.GetKeyValues(ref keyValues);
        var tokens = keyValues.DenseValues().Select(v => v.ToString()).ToArray();
        // A bag has a slot per key; one-hot indicators would have a slot per key and token.
        if (!IsFloatVector(bag, tokens.Length))
            throw NotCompiled($"the one-hot step makes {Describe([bag])} for {tokens.Length} keys: not a bag");

        var (_, assembled) = Next<ColumnConcatenatingTransformer>("Concatenate into the features");
        var featureCount = numericCount + tokens.Length;
        if (assembled is not [var features] || !IsFloatVector(features, featureCount)
            || !SlotNames(features).SequenceEqual(Enumerable.Repeat("", numericCount).Concat(tokens.Select(t => bag.Name + "." + t))))
            throw NotCompiled($"the concatenation adds {Describe(assembled)}, not the {numericCount} numbers followed by the {tokens.Length} tokens");

        ImmutableArray<float>? scales = null;
        if (step < steps.Count && steps[step] is NormalizingTransformer)
        {
            var (normalizer, normalized) = Next<NormalizingTransformer>("NormalizeMinMax");
            if (normalized is not [var output] || output.Name != features.Name || !output.Type.Equals(features.Type)
                || normalizer.GetNormalizerModelParameters(0) is not NormalizingTransformer.AffineNormalizerModelParameters<ImmutableArray<float>> affine
                || !affine.Offset.IsDefaultOrEmpty || affine.Scale.Length != featureCount)
                throw NotCompiled("the normaliser is not a per-feature scale of the features without offset (NormalizeMinMax)");
            scales = affine.Scale;
        }

        var (predictor, _) = Next<ISingleFeaturePredictionTransformer<object>>("the trainer's model");
        if (step != steps.Count) throw NotCompiled($"{steps.Count - step} step(s) follow the trainer's model");
        if (predictor.FeatureColumnName != features.Name)
            throw NotCompiled($"the model reads '{predictor.FeatureColumnName}', not the features '{features.Name}'");
        if (predictor.Model is not CalibratedModelParametersBase { Calibrator: PlattCalibrator platt } calibrated)
            throw NotCompiled($"{Name(predictor.Model)} is not a model behind a Platt calibrator");
        var subModel = calibrated.SubModel;
        var name = Name(subModel);
        return subModel switch
        {
            FastTreeBinaryModelParameters or LightGbmBinaryModelParameters when scales is not null =>
                throw NotCompiled("a normaliser before a tree model is not compiled"),
            FastTreeBinaryModelParameters or LightGbmBinaryModelParameters =>
                new MlNetScorerDefinition(name, replacements, tokens, platt.Slope, platt.Offset,
                    ((TreeEnsembleModelParametersBasedOnRegressionTree)subModel).TrainedTreeEnsemble.Trees.Select((tree, t) => Tree(tree, $"{name} tree {t}")).ToList(),
                    null),
            LinearBinaryModelParameters linear =>
                new MlNetScorerDefinition(name, replacements, tokens, platt.Slope, platt.Offset, null, LinearWeights(linear, scales, manifest, featureCount)),
            _ => throw NotCompiled($"{name} is not compiled (FastTree, LightGBM and logistic regression are)"),
        };
    }

    /// <exception cref="ModelFileException">A categorical split, which the flat-array scorer does not follow.</exception>
    private static MlNetTree Tree(RegressionTree tree, string treeName)
    {
        var categorical = tree.CategoricalSplitFlags.ToList().IndexOf(true);
        if (categorical >= 0) throw NotCompiled($"{treeName} node {categorical}: categorical splits are not compiled");
        return new MlNetTree(tree.NumericalSplitFeatureIndexes.ToArray(), tree.NumericalSplitThresholds.ToArray(), tree.LeftChild.ToArray(),
            tree.RightChild.ToArray(), tree.LeafValues.ToArray());
    }

    private static MlNetLinearWeights LinearWeights(LinearBinaryModelParameters linear, ImmutableArray<float>? scales, MlNetManifest manifest, int featureCount)
    {
        // Without the normaliser the features are Concatenate's vector, stored densely or not by other rules.
        if (scales is null) throw NotCompiled("a linear model without NormalizeMinMax before it is not compiled");
        // The normaliser stores the non-zero features: at most every number and one token per column.
        var mostStored = manifest.NumericInputs.Count + manifest.CategoricalInputs.Count;
        if (mostStored >= VectorisedDotMinimum || mostStored >= featureCount / 2)
            throw NotCompiled($"with up to {mostStored} stored features of {featureCount}, ML.NET would sum the dot product in its vectorised order");
        if (linear.Weights.Any(w => !float.IsFinite(w)))
            throw NotCompiled("a weight is not finite");
        return new MlNetLinearWeights(linear.Weights.ToArray(), linear.Bias, scales.Value.ToArray());
    }
    /// <summary>The value ReplaceMissingValues puts in each slot for a NaN: what it outputs for a row of NaNs.</summary>
    private static float[] Replacements(MLContext context, MissingValueReplacingTransformer replacer, string filledColumn, MlNetManifest manifest)
    {
        var nothing = new double[manifest.NumericInputs.Count];
        Array.Fill(nothing, double.NaN);
        var rows = Rows(context, manifest, [(nothing, new string?[manifest.CategoricalInputs.Count])]);
        return replacer.Transform(rows).GetColumn<float[]>(filledColumn).Single();
    }

    /// <summary>Per input, the values the check rows cycle through.</summary>
    private sealed record CheckValues(List<double>[] Numeric, List<string?>[] Categorical);

    /// <summary>
    /// Per number: NaN, ordinary values around its mean (an extreme one would saturate a linear model's probability and
    /// hide the other inputs), and each threshold a tree tests it against with the floats either side, where a split
    /// changes its mind. Per category: every value of its tokens, null, empty and a value never seen.
    /// </summary>
    private static CheckValues CheckValuesOf(CompiledMlNetModel compiled)
    {
        var definition = compiled.Definition;
        var trees = definition.Trees ?? [];
        var numeric = definition.Replacements.Select((mean, feature) => new List<double> { double.NaN, 0, mean, mean / 2, 2 * mean, -mean, 1, -1 }
            .Concat(trees
                .SelectMany(tree => tree.SplitFeatures.Select((split, n) => (split, n)).Where(s => s.split == feature).Select(s => tree.Thresholds[s.n]))
                .Distinct()
                .SelectMany(t => new double[] { t, MathF.BitDecrement(t), MathF.BitIncrement(t) }))
            .ToList()).ToArray();
        var categorical = Enumerable.Range(0, compiled.Manifest.CategoricalInputs.Count)
            .Select(column => compiled.KnownValues(column).Cast<string?>().Concat([null, "", "\u0001never seen"]).ToList()).ToArray();
        return new CheckValues(numeric, categorical);
    }

    /// <summary>
    /// Scores check rows with the compiled model and with ML.NET, which must give the same float probability;
    /// the check rows cycle through every check value of every input, each input with its own offset.
    /// </summary>
    /// <returns>null when they agree on every row, else the first disagreement.</returns>
    private static string? FirstDisagreement(MLContext context, ITransformer model, CompiledMlNetModel compiled, CheckValues values)
    {
        var count = values.Numeric.Select(v => v.Count).Concat(values.Categorical.Select(v => v.Count)).Max();
        var rows = Enumerable.Range(0, count).Select(r => (
            Numeric: values.Numeric.Select((pool, i) => pool[(r + 3 * i) % pool.Count]).ToArray(),
            Categorical: values.Categorical.Select((pool, c) => pool[(r + 5 * c) % pool.Count]).ToArray())).ToList();
        var expected = context.Data.CreateEnumerable<MlNetOutputRow>(model.Transform(Rows(context, compiled.Manifest, rows)), reuseRowObject: false)
            .Select(output => (double)output.Probability).ToList();
        for (var r = 0; r < rows.Count; r++)
        {
            var actual = compiled.Score(rows[r].Numeric, rows[r].Categorical).Probability;
            if (!actual.Equals(expected[r]))
                return $"the compiled scorer gives {actual:R} where ML.NET gives {expected[r]:R} for numbers [{string.Join(", ", rows[r].Numeric)}] " +
                       $"and values [{string.Join(", ", rows[r].Categorical.Select(v => v is null ? "null" : $"'{v}'"))}]";
        }
        return null;
    }

    private static IDataView Rows(MLContext context, MlNetManifest manifest, IEnumerable<(double[] Numeric, string?[] Categorical)> rows) =>
        context.Data.LoadFromEnumerable(
            rows.Select(row => MlNetInputRow.From(manifest.CategoricalInputs, row.Numeric, row.Categorical)).ToList(),
            MlNetInputRow.Schema(manifest.NumericInputs.Count, manifest.CategoricalInputs.Count));

    private static bool IsFloatVector(DataViewSchema.Column column, int size) =>
        column.Type is VectorDataViewType vector && vector.ItemType == NumberDataViewType.Single && vector.Size == size;

    private static IEnumerable<string> SlotNames(DataViewSchema.Column column)
    {
        if (!column.HasSlotNames()) return [];
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        column.GetSlotNames(ref names);
        return names.DenseValues().Select(name => name.ToString());
    }

    private static string Describe(DataViewSchema.Column[] columns) =>
        columns.Length == 0 ? "no column" : string.Join(", ", columns.Select(c => $"'{c.Name}' ({c.Type})"));

    private static string Name(object model) => model.GetType().Name;

    private static ModelFileException NotCompiled(string reason) => new(reason);
}
