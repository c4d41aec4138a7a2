using TopUpSpark.Scoring;
using TopUpSpark.Scoring.Spark;

namespace TopUpSpark.Models.SparkImport;

/// <summary>The pipeline read from a Spark folder, with the notes worth showing (ignored unknown defaults).</summary>
public sealed record SparkImportResult(SparkPipelineDefinition Pipeline, SparkPipelineModel Model, IReadOnlyList<string> Warnings);

/// <summary>
/// Reads a folder written by Spark 3.x <c>PipelineModel.save()</c>: JSON metadata per stage and snappy
/// parquet stage data. Supported stages: StringIndexerModel, OneHotEncoderModel, VectorAssembler,
/// StandardScalerModel, GBTClassificationModel, RandomForestClassificationModel,
/// DecisionTreeClassificationModel and binary LogisticRegressionModel (nested pipelines are flattened).
/// Anything else fails with an error naming the stage, param or version.
/// </summary>
public static class SparkPipelineImporter
{
    private static readonly string[] TreeTrainingParams =
    [
        "maxDepth", "maxBins", "minInstancesPerNode", "minWeightFractionPerNode", "minInfoGain", "maxMemoryInMB",
        "cacheNodeIds", "checkpointInterval", "impurity", "seed", "subsamplingRate", "featureSubsetStrategy",
    ];

    public static async Task<SparkImportResult> ImportAsync(string folder, CancellationToken cancel = default)
    {
        if (!Directory.Exists(folder)) throw new ModelFileException($"Spark model folder not found: {folder}");
        var root = SparkStageMetadata.Read(folder);
        if (root.Class != "org.apache.spark.ml.PipelineModel")
            throw new ModelFileException($"{folder}: holds a {root.SimpleClass}, not a PipelineModel; save the whole fitted pipeline");
        var warnings = new List<string>();
        var stages = new List<SparkStage>();
        await ReadPipelineAsync(root, stages, warnings, cancel);
        var pipeline = new SparkPipelineDefinition(root.SparkVersion, root.Uid, stages);
        var model = SparkPipelineCompiler.Compile(pipeline);
        return new SparkImportResult(pipeline, model, warnings);
    }

    private static async Task ReadPipelineAsync(SparkStageMetadata pipeline, List<SparkStage> stages, List<string> warnings, CancellationToken cancel)
    {
        pipeline.CheckParams(["stageUids"], [], warnings);
        var stagesFolder = Path.Combine(pipeline.Folder, "stages");
        var folders = Directory.Exists(stagesFolder) ? Directory.GetDirectories(stagesFolder) : [];
        foreach (var uid in pipeline.StringArrayParam("stageUids"))
        {
            // Spark names stage folders "<index>_<uid>"; the index is padded oddly for 10+ stages, so match on the uid.
            var matches = folders.Where(f => Path.GetFileName(f).EndsWith("_" + uid, StringComparison.Ordinal)).ToList();
            if (matches.Count != 1)
                throw new ModelFileException($"{pipeline.Folder}: expected one folder for stage '{uid}' under stages/, found {matches.Count}");
            var metadata = SparkStageMetadata.Read(matches[0]);
            if (metadata.Uid != uid)
                throw new ModelFileException($"{matches[0]}: metadata uid '{metadata.Uid}' does not match stage '{uid}'");
            if (metadata.Class == "org.apache.spark.ml.PipelineModel")
            {
                await ReadPipelineAsync(metadata, stages, warnings, cancel);
                continue;
            }
            stages.Add(await ReadStageAsync(metadata, warnings, cancel));
        }
    }

    private static Task<SparkStage> ReadStageAsync(SparkStageMetadata metadata, List<string> warnings, CancellationToken cancel) =>
        metadata.SimpleClass switch
        {
            StringIndexerStage.SparkClass => ReadStringIndexerAsync(metadata, warnings, cancel),
            OneHotEncoderStage.SparkClass => ReadOneHotEncoderAsync(metadata, warnings, cancel),
            VectorAssemblerStage.SparkClass => Task.FromResult(ReadVectorAssembler(metadata, warnings)),
            StandardScalerStage.SparkClass => ReadStandardScalerAsync(metadata, warnings, cancel),
            GbtClassifierStage.SparkClass or RandomForestClassifierStage.SparkClass or DecisionTreeClassifierStage.SparkClass
                => ReadTreeClassifierAsync(metadata, warnings, cancel),
            LogisticRegressionStage.SparkClass => ReadLogisticRegressionAsync(metadata, warnings, cancel),
            _ => throw new ModelFileException(
                $"{metadata.Name}: stage class {metadata.Class} is not supported (supported: StringIndexerModel, OneHotEncoderModel, " +
                "VectorAssembler, StandardScalerModel, GBTClassificationModel, RandomForestClassificationModel, " +
                "DecisionTreeClassificationModel, LogisticRegressionModel)"),
        };

    private static async Task<SparkStage> ReadStringIndexerAsync(SparkStageMetadata metadata, List<string> warnings, CancellationToken cancel)
    {
        metadata.CheckParams(["inputCol", "inputCols", "outputCols", "handleInvalid", "stringOrderType"], [], warnings);
        var rows = await ParquetValues.ReadRowsAsync(Path.Combine(metadata.Folder, "data"), cancel);
        var where = $"{metadata.Name} data";
        var labelsArray = ParquetValues.List(ParquetValues.Field(ParquetValues.SingleRow(rows, where), "labelsArray", where), where + ".labelsArray")
            .Select((labels, i) => (IReadOnlyList<string>)ParquetValues.List(labels, $"{where}.labelsArray[{i}]")
                .Select((label, k) => ParquetValues.String(label, $"{where}.labelsArray[{i}][{k}]")).ToArray())
            .ToArray();
        return new StringIndexerStage(
            metadata.Uid,
            metadata.Columns("inputCol", "inputCols"),
            metadata.Columns("outputCol", "outputCols"),
            labelsArray,
            metadata.StringParam("handleInvalid", "error"),
            metadata.StringParam("stringOrderType", "frequencyDesc"));
    }

    private static async Task<SparkStage> ReadOneHotEncoderAsync(SparkStageMetadata metadata, List<string> warnings, CancellationToken cancel)
    {
        metadata.CheckParams(["inputCol", "inputCols", "outputCols", "dropLast", "handleInvalid"], [], warnings);
        var rows = await ParquetValues.ReadRowsAsync(Path.Combine(metadata.Folder, "data"), cancel);
        var where = $"{metadata.Name} data";
        return new OneHotEncoderStage(
            metadata.Uid,
            metadata.Columns("inputCol", "inputCols"),
            metadata.Columns("outputCol", "outputCols"),
            ParquetValues.Ints(ParquetValues.Field(ParquetValues.SingleRow(rows, where), "categorySizes", where), where + ".categorySizes"),
            metadata.BoolParam("dropLast", true),
            metadata.StringParam("handleInvalid", "error"));
    }

    private static SparkStage ReadVectorAssembler(SparkStageMetadata metadata, List<string> warnings)
    {
        metadata.CheckParams(["inputCols", "handleInvalid"], [], warnings);
        return new VectorAssemblerStage(
            metadata.Uid,
            metadata.StringArrayParam("inputCols"),
            metadata.StringParam("outputCol"),
            metadata.StringParam("handleInvalid", "error"));
    }

    private static async Task<SparkStage> ReadStandardScalerAsync(SparkStageMetadata metadata, List<string> warnings, CancellationToken cancel)
    {
        metadata.CheckParams(["inputCol", "withMean", "withStd"], [], warnings);
        var rows = await ParquetValues.ReadRowsAsync(Path.Combine(metadata.Folder, "data"), cancel);
        var where = $"{metadata.Name} data";
        var row = ParquetValues.SingleRow(rows, where);
        return new StandardScalerStage(
            metadata.Uid,
            metadata.StringParam("inputCol"),
            metadata.StringParam("outputCol"),
            metadata.BoolParam("withMean", false),
            metadata.BoolParam("withStd", true),
            ParquetValues.Vector(ParquetValues.Field(row, "mean", where), where + ".mean"),
            ParquetValues.Vector(ParquetValues.Field(row, "std", where), where + ".std"));
    }

    private static async Task<SparkStage> ReadTreeClassifierAsync(SparkStageMetadata metadata, List<string> warnings, CancellationToken cancel)
    {
        var isGbt = metadata.SimpleClass == GbtClassifierStage.SparkClass;
        var isForest = metadata.SimpleClass == RandomForestClassifierStage.SparkClass;
        string[] ensembleParams = isGbt
            ? ["maxIter", "stepSize", "validationTol", "validationIndicatorCol"]
            : isForest ? ["numTrees", "bootstrap"] : [];
        metadata.CheckParams(["featuresCol", "thresholds", "lossType"], [.. TreeTrainingParams, .. ensembleParams], warnings);
        if (isGbt && metadata.StringParam("lossType", "logistic") != "logistic")
            throw new ModelFileException($"{metadata.Name}: lossType '{metadata.StringParam("lossType")}' is not supported (GBT classification uses logistic)");

        var numFeatures = metadata.Extra("numFeatures");
        var numClasses = isGbt ? 2 : metadata.Extra("numClasses");
        List<SparkTree> trees;
        if (isGbt || isForest)
        {
            trees = await ReadEnsembleAsync(metadata, cancel);
            var expected = metadata.Extra("numTrees");
            if (expected != trees.Count)
                throw new ModelFileException($"{metadata.Name}: metadata says {expected} trees but the data holds {trees.Count}");
        }
        else
        {
            var rows = await ParquetValues.ReadRowsAsync(Path.Combine(metadata.Folder, "data"), cancel);
            var where = $"{metadata.Name} data";
            trees = [new SparkTree(1.0, OrderNodes(rows.Select((row, i) => ReadNode(row, $"{where} row {i}")), where))];
        }
        var thresholds = metadata.DoubleArrayParam("thresholds");
        var features = metadata.StringParam("featuresCol", "features");
        return metadata.SimpleClass switch
        {
            GbtClassifierStage.SparkClass => new GbtClassifierStage(metadata.Uid, features, numFeatures, numClasses, trees, thresholds),
            RandomForestClassifierStage.SparkClass => new RandomForestClassifierStage(metadata.Uid, features, numFeatures, numClasses, trees, thresholds),
            _ => new DecisionTreeClassifierStage(metadata.Uid, features, numFeatures, numClasses, trees, thresholds),
        };
    }

    /// <summary>
    /// Ensembles: <c>treesMetadata/</c> holds (treeID, metadata, weights) and <c>data/</c> holds
    /// (treeID, nodeData) for every node of every tree.
    /// </summary>
    private static async Task<List<SparkTree>> ReadEnsembleAsync(SparkStageMetadata metadata, CancellationToken cancel)
    {
        var weightsWhere = $"{metadata.Name} treesMetadata";
        var weights = new SortedDictionary<int, double>();
        foreach (var row in await ParquetValues.ReadRowsAsync(Path.Combine(metadata.Folder, "treesMetadata"), cancel))
        {
            var treeId = ParquetValues.Int(ParquetValues.Field(row, "treeID", weightsWhere), weightsWhere + ".treeID");
            if (!weights.TryAdd(treeId, ParquetValues.Double(ParquetValues.Field(row, "weights", weightsWhere), weightsWhere + ".weights")))
                throw new ModelFileException($"{weightsWhere}: tree {treeId} listed twice");
        }
        var nodesWhere = $"{metadata.Name} data";
        var nodesByTree = new Dictionary<int, List<SparkTreeNode>>();
        foreach (var (row, i) in (await ParquetValues.ReadRowsAsync(Path.Combine(metadata.Folder, "data"), cancel)).Select((r, i) => (r, i)))
        {
            var treeId = ParquetValues.Int(ParquetValues.Field(row, "treeID", nodesWhere), nodesWhere + ".treeID");
            var node = ReadNode(ParquetValues.Struct(ParquetValues.Field(row, "nodeData", nodesWhere), nodesWhere + ".nodeData"), $"{nodesWhere} row {i}");
            if (!nodesByTree.TryGetValue(treeId, out var list)) nodesByTree[treeId] = list = [];
            list.Add(node);
        }
        if (!weights.Keys.SequenceEqual(Enumerable.Range(0, weights.Count)) || !nodesByTree.Keys.Order().SequenceEqual(weights.Keys))
            throw new ModelFileException($"{metadata.Name}: tree ids in treesMetadata ({weights.Count}) and data ({nodesByTree.Count}) do not match 0..n-1");
        return weights.Select(w => new SparkTree(w.Value, OrderNodes(nodesByTree[w.Key], $"{nodesWhere} tree {w.Key}"))).ToList();
    }

    private static List<SparkTreeNode> OrderNodes(IEnumerable<SparkTreeNode> nodes, string where)
    {
        var ordered = nodes.OrderBy(n => n.Id).ToList();
        for (var i = 0; i < ordered.Count; i++)
            if (ordered[i].Id != i)
                throw new ModelFileException($"{where}: node ids are not 0..{ordered.Count - 1}");
        return ordered;
    }

    /// <summary>Spark's NodeData: id, prediction, impurity, impurityStats, rawCount, gain, leftChild, rightChild, split.</summary>
    private static SparkTreeNode ReadNode(IDictionary<string, object?> row, string where)
    {
        var leftChild = ParquetValues.Int(ParquetValues.Field(row, "leftChild", where), where + ".leftChild");
        SparkSplit? split = null;
        if (leftChild != -1)
        {
            var data = ParquetValues.Struct(ParquetValues.Field(row, "split", where), where + ".split");
            split = new SparkSplit(
                ParquetValues.Int(ParquetValues.Field(data, "featureIndex", where), where + ".split.featureIndex"),
                ParquetValues.Doubles(ParquetValues.Field(data, "leftCategoriesOrThreshold", where), where + ".split.leftCategoriesOrThreshold"),
                ParquetValues.Int(ParquetValues.Field(data, "numCategories", where), where + ".split.numCategories"));
        }
        return new SparkTreeNode(
            ParquetValues.Int(ParquetValues.Field(row, "id", where), where + ".id"),
            ParquetValues.Double(ParquetValues.Field(row, "prediction", where), where + ".prediction"),
            ParquetValues.Doubles(ParquetValues.Field(row, "impurityStats", where), where + ".impurityStats"),
            leftChild,
            ParquetValues.Int(ParquetValues.Field(row, "rightChild", where), where + ".rightChild"),
            split);
    }

    private static async Task<SparkStage> ReadLogisticRegressionAsync(SparkStageMetadata metadata, List<string> warnings, CancellationToken cancel)
    {
        metadata.CheckParams(
            ["featuresCol", "threshold", "thresholds"],
            ["regParam", "elasticNetParam", "maxIter", "tol", "fitIntercept", "standardization", "family", "aggregationDepth",
             "maxBlockSizeInMB", "lowerBoundsOnCoefficients", "upperBoundsOnCoefficients", "lowerBoundsOnIntercepts", "upperBoundsOnIntercepts"],
            warnings);
        var rows = await ParquetValues.ReadRowsAsync(Path.Combine(metadata.Folder, "data"), cancel);
        var where = $"{metadata.Name} data";
        var row = ParquetValues.SingleRow(rows, where);
        if (ParquetValues.Bool(ParquetValues.Field(row, "isMultinomial", where), where + ".isMultinomial"))
            throw new ModelFileException($"{metadata.Name}: multinomial logistic regression is not supported (binary only)");
        var numClasses = ParquetValues.Int(ParquetValues.Field(row, "numClasses", where), where + ".numClasses");
        if (numClasses != 2)
            throw new ModelFileException($"{metadata.Name}: only binary logistic regression is supported (numClasses={numClasses})");
        var coefficients = ParquetValues.Matrix(ParquetValues.Field(row, "coefficientMatrix", where), where + ".coefficientMatrix");
        var intercept = ParquetValues.Vector(ParquetValues.Field(row, "interceptVector", where), where + ".interceptVector");
        if (coefficients.Length != 1 || intercept.Length != 1)
            throw new ModelFileException($"{metadata.Name}: a binary model has 1 coefficient row and 1 intercept, found {coefficients.Length} and {intercept.Length}");
        var numFeatures = ParquetValues.Int(ParquetValues.Field(row, "numFeatures", where), where + ".numFeatures");
        if (coefficients[0].Length != numFeatures)
            throw new ModelFileException($"{metadata.Name}: {coefficients[0].Length} coefficients for numFeatures={numFeatures}");
        return new LogisticRegressionStage(metadata.Uid, metadata.StringParam("featuresCol", "features"), numFeatures,
            coefficients[0], intercept[0], EffectiveThreshold(metadata));
    }

    /// <summary>LogisticRegressionModel.getThreshold: with thresholds set, 1/(1 + t0/t1); else the threshold param.</summary>
    private static double EffectiveThreshold(SparkStageMetadata metadata)
    {
        if (metadata.IsSet("thresholds"))
        {
            var thresholds = metadata.DoubleArrayParam("thresholds")!;
            if (thresholds.Length != 2)
                throw new ModelFileException($"{metadata.Name}: thresholds must have 2 values for binary logistic regression, found {thresholds.Length}");
            return 1.0 / (1.0 + thresholds[0] / thresholds[1]);
        }
        return metadata.DoubleParam("threshold", 0.5);
    }
}
