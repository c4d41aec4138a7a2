using System.Collections.Frozen;

namespace TopUpSpark.Scoring.Spark;

/// <summary>
/// Follows the pipeline's columns stage by stage and compiles it into a <see cref="SparkPipelineModel"/>.
/// Columns the stages read but no stage writes are the model's inputs: those a StringIndexer reads are
/// categorical, all others numeric. Anything this runtime cannot reproduce exactly is refused here, with
/// the stage and column named.
/// </summary>
public static class SparkPipelineCompiler
{
    private static readonly string[] ErrorSkipKeep = ["error", "skip", "keep"];
    private static readonly string[] EncoderHandling = ["error", "keep"];
    private static readonly string[] OrderTypes = ["frequencyDesc", "frequencyAsc", "alphabetDesc", "alphabetAsc"];

    public static SparkPipelineModel Compile(SparkPipelineDefinition pipeline, AssemblerInvalidHandling? overrideAssemblerHandling = null)
    {
        var graph = new ColumnGraph();
        IClassifierScorer? classifier = null;
        SparkStage? classifierStage = null;
        AssemblerPlan? classifierAssembler = null;
        FeatureLayout? layout = null;
        foreach (var stage in pipeline.Stages)
        {
            if (classifierStage is not null)
                throw new ModelFileException($"{stage}: stages after the classifier ({classifierStage}) are not supported");
            switch (stage)
            {
                case StringIndexerStage indexer:
                    AddIndexer(graph, indexer);
                    break;
                case OneHotEncoderStage encoder:
                    AddEncoder(graph, encoder);
                    break;
                case VectorAssemblerStage assembler:
                    AddAssembler(graph, assembler, overrideAssemblerHandling);
                    break;
                case StandardScalerStage scaler:
                    AddScaler(graph, scaler);
                    break;
                case TreeClassifierStage trees:
                {
                    (layout, classifierAssembler, _) = FeaturesFor(graph, trees, trees.FeaturesCol, trees.NumFeatures);
                    classifier = TreeEnsembleScorer.FromSpark(trees, layout);
                    classifierStage = trees;
                    break;
                }
                case LogisticRegressionStage regression:
                {
                    (layout, classifierAssembler, var blocks) = FeaturesFor(graph, regression, regression.FeaturesCol, regression.NumFeatures);
                    classifier = new LogisticRegressionScorer(regression, layout, blocks);
                    classifierStage = regression;
                    break;
                }
                default:
                    throw new ModelFileException($"{stage}: stage type is not supported");
            }
        }
        if (classifier is null || classifierStage is null || classifierAssembler is null || layout is null)
            throw new ModelFileException("the pipeline has no classifier stage (GBT, random forest, decision tree or logistic regression)");

        return new SparkPipelineModel(
            pipeline,
            graph.NumericInputs.ToArray(),
            graph.CategoricalInputs.ToArray(),
            graph.Indexers.ToArray(),
            graph.Encoders.Select(e => e with { ScalarSlot = graph.SlotOf(e.Input) }).ToArray(),
            graph.Assemblers.Select(a => a.Finish(graph)).ToArray(),
            layout,
            classifier,
            classifierStage,
            classifierAssembler.Handling);
    }

    private static void AddIndexer(ColumnGraph graph, StringIndexerStage stage)
    {
        RequireParam(stage, "handleInvalid", stage.HandleInvalid, ErrorSkipKeep);
        RequireParam(stage, "stringOrderType", stage.StringOrderType, OrderTypes);
        if (stage.InputCols.Count != stage.OutputCols.Count || stage.InputCols.Count != stage.LabelsArray.Count)
            throw new ModelFileException(
                $"{stage}: {stage.InputCols.Count} input columns, {stage.OutputCols.Count} output columns and {stage.LabelsArray.Count} label arrays do not match");
        var mode = ParseHandling(stage.HandleInvalid);
        for (var i = 0; i < stage.InputCols.Count; i++)
        {
            var input = stage.InputCols[i];
            if (graph.Produced.ContainsKey(input))
                throw new ModelFileException($"{stage}: input column '{input}' is produced by an earlier stage; only raw string columns can be indexed");
            var labels = stage.LabelsArray[i];
            var lookup = new Dictionary<string, int>(StringComparer.Ordinal);
            // Spark builds its label map in order, so a repeated label keeps its last index.
            for (var k = 0; k < labels.Count; k++) lookup[labels[k]] = k;
            var indexer = new IndexerPlan(stage.ToString(), input, graph.CategoricalInput(stage, input),
                lookup.ToFrozenDictionary(StringComparer.Ordinal), labels.Count, mode);
            graph.Indexers.Add(indexer);
            graph.Produce(stage, stage.OutputCols[i], new ScalarColumn(new ScalarRef(IsIndexer: true, graph.Indexers.Count - 1)));
        }
    }

    private static void AddEncoder(ColumnGraph graph, OneHotEncoderStage stage)
    {
        RequireParam(stage, "handleInvalid", stage.HandleInvalid, EncoderHandling);
        if (stage.InputCols.Count != stage.OutputCols.Count || stage.InputCols.Count != stage.CategorySizes.Count)
            throw new ModelFileException(
                $"{stage}: {stage.InputCols.Count} input columns, {stage.OutputCols.Count} output columns and {stage.CategorySizes.Count} category sizes do not match");
        var keepInvalid = stage.HandleInvalid == "keep";
        for (var i = 0; i < stage.InputCols.Count; i++)
        {
            var input = graph.ScalarInput(stage, stage.InputCols[i]);
            var categorySize = stage.CategorySizes[i];
            if (categorySize < 1)
                throw new ModelFileException($"{stage}: column '{stage.InputCols[i]}' has category size {categorySize}");
            // OneHotEncoderModel.getConfigedCategorySizes: keep adds a slot for invalid values, dropLast removes one.
            var size = (stage.DropLast, keepInvalid) switch
            {
                (false, true) => categorySize + 1,
                (true, false) => categorySize - 1,
                _ => categorySize,
            };
            graph.Encoders.Add(new EncoderPlan(stage.ToString(), stage.InputCols[i], input, -1, categorySize, size, keepInvalid));
            graph.Produce(stage, stage.OutputCols[i], new OneHotColumn(graph.Encoders.Count - 1, size));
        }
    }

    private static void AddAssembler(ColumnGraph graph, VectorAssemblerStage stage, AssemblerInvalidHandling? overrideHandling)
    {
        RequireParam(stage, "handleInvalid", stage.HandleInvalid, ErrorSkipKeep);
        var handling = overrideHandling ?? ParseHandling(stage.HandleInvalid);
        var inputs = new List<(string Column, Column Source)>();
        foreach (var column in stage.InputCols)
        {
            Column source = graph.Produced.TryGetValue(column, out var produced)
                ? produced
                : new ScalarColumn(new ScalarRef(IsIndexer: false, graph.NumericInput(stage, column)));
            if (source is AssembledColumn)
                throw new ModelFileException($"{stage}: input column '{column}' is itself an assembled vector; nested assembly is not supported");
            inputs.Add((column, source));
        }
        var plan = new AssemblerPlan(stage.ToString(), inputs, handling);
        graph.Assemblers.Add(plan);
        graph.Produce(stage, stage.OutputCol, new AssembledColumn(plan, Scaling: null));
    }

    private static void AddScaler(ColumnGraph graph, StandardScalerStage stage)
    {
        if (!graph.Produced.TryGetValue(stage.InputCol, out var input) || input is not AssembledColumn assembled)
            throw new ModelFileException($"{stage}: input column '{stage.InputCol}' must be the output of a VectorAssembler");
        if (assembled.Scaling is not null)
            throw new ModelFileException($"{stage}: input column '{stage.InputCol}' is already scaled; chained scalers are not supported");
        graph.Produce(stage, stage.OutputCol, assembled with { Scaling = new StandardScaling(stage) });
    }

    private static (FeatureLayout Layout, AssemblerPlan Plan, List<FeatureBlock> Blocks) FeaturesFor(
        ColumnGraph graph, SparkStage stage, string featuresColumn, int numFeatures)
    {
        if (!graph.Produced.TryGetValue(featuresColumn, out var column) || column is not AssembledColumn assembled)
            throw new ModelFileException($"{stage}: features column '{featuresColumn}' is not produced by a VectorAssembler (or a StandardScaler after one)");
        var blocks = assembled.Plan.Blocks(graph);
        var layout = FeatureLayout.FromAssembler(blocks, assembled.Scaling);
        if (layout.Size != numFeatures)
            throw new ModelFileException($"{stage}: expects {numFeatures} features but '{featuresColumn}' has {layout.Size}");
        return (layout, assembled.Plan, blocks);
    }

    private static void RequireParam(SparkStage stage, string param, string value, string[] supported)
    {
        if (!supported.Contains(value, StringComparer.Ordinal))
            throw new ModelFileException($"{stage}: param {param}='{value}' is not supported (supported: {string.Join(", ", supported)})");
    }

    internal static AssemblerInvalidHandling ParseHandling(string value) => value switch
    {
        "error" => AssemblerInvalidHandling.Error,
        "skip" => AssemblerInvalidHandling.Skip,
        "keep" => AssemblerInvalidHandling.Keep,
        _ => throw new ModelFileException($"handleInvalid '{value}' is not one of error, skip, keep"),
    };

    private abstract record Column;

    private sealed record ScalarColumn(ScalarRef Source) : Column;

    private sealed record OneHotColumn(int Encoder, int Size) : Column;

    private sealed record AssembledColumn(AssemblerPlan Plan, StandardScaling? Scaling) : Column;

    private sealed class AssemblerPlan(string stageName, List<(string Column, Column Source)> inputs, AssemblerInvalidHandling handling)
    {
        public AssemblerInvalidHandling Handling { get; } = handling;

        public List<FeatureBlock> Blocks(ColumnGraph graph) => inputs.Select(input => input.Source switch
        {
            ScalarColumn scalar => new FeatureBlock(input.Column, graph.SlotOf(scalar.Source), -1, 1),
            OneHotColumn vector => new FeatureBlock(input.Column, -1, vector.Encoder, vector.Size),
            _ => throw new InvalidOperationException("assembler inputs are scalars or one-hot vectors"),
        }).ToList();

        public AssemblerCheck Finish(ColumnGraph graph) => new(stageName, Blocks(graph).ToArray(), Handling);
    }

    private sealed class ColumnGraph
    {
        private readonly Dictionary<string, int> _numeric = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _categorical = new(StringComparer.Ordinal);

        public Dictionary<string, Column> Produced { get; } = new(StringComparer.Ordinal);
        public List<string> NumericInputs { get; } = [];
        public List<string> CategoricalInputs { get; } = [];
        public List<IndexerPlan> Indexers { get; } = [];
        public List<EncoderPlan> Encoders { get; } = [];
        public List<AssemblerPlan> Assemblers { get; } = [];

        public void Produce(SparkStage stage, string column, Column value)
        {
            if (Produced.ContainsKey(column) || _numeric.ContainsKey(column) || _categorical.ContainsKey(column))
                throw new ModelFileException($"{stage}: output column '{column}' already exists");
            Produced[column] = value;
        }

        public int NumericInput(SparkStage stage, string column)
        {
            if (_categorical.ContainsKey(column))
                throw new ModelFileException($"{stage}: column '{column}' is used both as a string (StringIndexer input) and as a number");
            if (!_numeric.TryGetValue(column, out var index))
            {
                index = NumericInputs.Count;
                _numeric[column] = index;
                NumericInputs.Add(column);
            }
            return index;
        }

        public int CategoricalInput(SparkStage stage, string column)
        {
            if (_numeric.ContainsKey(column))
                throw new ModelFileException($"{stage}: column '{column}' is used both as a string (StringIndexer input) and as a number");
            if (!_categorical.TryGetValue(column, out var index))
            {
                index = CategoricalInputs.Count;
                _categorical[column] = index;
                CategoricalInputs.Add(column);
            }
            return index;
        }

        public ScalarRef ScalarInput(SparkStage stage, string column)
        {
            if (!Produced.TryGetValue(column, out var produced)) return new ScalarRef(IsIndexer: false, NumericInput(stage, column));
            return produced is ScalarColumn scalar
                ? scalar.Source
                : throw new ModelFileException($"{stage}: input column '{column}' is a vector; a number is expected");
        }

        /// <summary>Scalar slots: the numeric inputs first, then the string-indexer outputs.</summary>
        public int SlotOf(ScalarRef source) => source.IsIndexer ? NumericInputs.Count + source.Index : source.Index;
    }
}

/// <summary>A scalar column: numeric input <c>Index</c>, or the output of string-indexed column <c>Index</c>.</summary>
internal readonly record struct ScalarRef(bool IsIndexer, int Index);

/// <summary>One string-indexed column: label → index, and what a null or unseen label does.</summary>
internal sealed record IndexerPlan(
    string StageName, string Column, int CategoricalInput, FrozenDictionary<string, int> Labels, int LabelCount, AssemblerInvalidHandling Mode);

/// <summary>One one-hot encoded column, reading scalar slot <see cref="ScalarSlot"/>.</summary>
internal sealed record EncoderPlan(
    string StageName, string Column, ScalarRef Input, int ScalarSlot, int CategorySize, int Size, bool KeepInvalid);

/// <summary>A VectorAssembler's null/NaN rule over its inputs.</summary>
internal sealed record AssemblerCheck(string StageName, FeatureBlock[] Blocks, AssemblerInvalidHandling Handling);
