using System.Text.Json.Nodes;
using Parquet.Schema;
using Parquet.Serialization;

namespace TopUpSpark.Models.Tests;

/// <summary>
/// Writes a folder laid out exactly as Spark 3.x <c>PipelineModel.save()</c> does: <c>metadata/part-00000</c>
/// JSON for the pipeline and each stage under <c>stages/&lt;index&gt;_&lt;uid&gt;/</c>, and stage data as snappy
/// parquet with Spark's column names and nesting (labelsArray, categorySizes, NodeData, VectorUDT, MatrixUDT).
/// </summary>
internal sealed class SparkModelFolder(string directory, string sparkVersion = "3.3.0")
{
    /// <summary>Per stage: its data writer gets the stage folder (ensembles write data/ and treesMetadata/).</summary>
    private readonly List<(string Uid, string Class, JsonObject ParamMap, JsonObject Defaults, JsonObject? Extra, Func<string, Task>? WriteData)> _stages = [];

    public string Directory { get; } = directory;

    /// <summary>Sets a param of an added stage explicitly, as if the user had set it before fitting.</summary>
    public SparkModelFolder SetParam(string uid, string name, JsonNode value)
    {
        _stages.Single(s => s.Uid == uid).ParamMap[name] = value;
        return this;
    }

    public SparkModelFolder StringIndexer(string uid, string[] inputCols, string[] outputCols, string[][] labels,
        string handleInvalid = "error", string stringOrderType = "frequencyDesc")
    {
        var param = new JsonObject { ["inputCols"] = Array(inputCols), ["outputCols"] = Array(outputCols), ["handleInvalid"] = handleInvalid, ["stringOrderType"] = stringOrderType };
        var defaults = new JsonObject { ["handleInvalid"] = "error", ["stringOrderType"] = "frequencyDesc", ["outputCol"] = uid + "__output" };
        var schema = new ParquetSchema(new ListField("labelsArray", new ListField("element", new DataField<string>("element"))));
        var row = new Dictionary<string, object?>
        {
            ["labelsArray"] = labels.Select(l => l.Select(s => (ReadOnlyMemory<char>?)s.AsMemory()).ToList()).ToList(),
        };
        return Add(uid, "org.apache.spark.ml.feature.StringIndexerModel", param, defaults, null, dir => WriteParquet(Path.Combine(dir, "data"), schema, [row]));
    }

    public SparkModelFolder OneHotEncoder(string uid, string[] inputCols, string[] outputCols, int[] categorySizes,
        bool dropLast = true, string handleInvalid = "error")
    {
        var param = new JsonObject { ["inputCols"] = Array(inputCols), ["outputCols"] = Array(outputCols), ["dropLast"] = dropLast, ["handleInvalid"] = handleInvalid };
        var defaults = new JsonObject { ["handleInvalid"] = "error", ["dropLast"] = true, ["outputCol"] = uid + "__output" };
        var schema = new ParquetSchema(new ListField("categorySizes", new DataField<int>("element")));
        var row = new Dictionary<string, object?> { ["categorySizes"] = categorySizes.ToList() };
        return Add(uid, "org.apache.spark.ml.feature.OneHotEncoderModel", param, defaults, null, dir => WriteParquet(Path.Combine(dir, "data"), schema, [row]));
    }

    /// <summary>A VectorAssembler; a null handleInvalid leaves Spark's default ("error") in defaultParamMap only, as the course model does.</summary>
    public SparkModelFolder VectorAssembler(string uid, string[] inputCols, string outputCol, string? handleInvalid = null)
    {
        var param = new JsonObject { ["inputCols"] = Array(inputCols), ["outputCol"] = outputCol };
        if (handleInvalid is not null) param["handleInvalid"] = handleInvalid;
        var defaults = new JsonObject { ["handleInvalid"] = "error", ["outputCol"] = uid + "__output" };
        return Add(uid, "org.apache.spark.ml.feature.VectorAssembler", param, defaults, null, null);
    }

    public SparkModelFolder StandardScaler(string uid, string inputCol, string outputCol, bool withMean, bool withStd, double[] mean, double[] std)
    {
        var param = new JsonObject { ["inputCol"] = inputCol, ["outputCol"] = outputCol, ["withMean"] = withMean, ["withStd"] = withStd };
        var defaults = new JsonObject { ["withMean"] = false, ["withStd"] = true };
        var schema = new ParquetSchema(VectorField("std"), VectorField("mean"));
        var row = new Dictionary<string, object?> { ["std"] = DenseVector(std), ["mean"] = DenseVector(mean) };
        return Add(uid, "org.apache.spark.ml.feature.StandardScalerModel", param, defaults, null, dir => WriteParquet(Path.Combine(dir, "data"), schema, [row]));
    }

    public SparkModelFolder Gbt(string uid, string featuresCol, int numFeatures, (double Weight, TreeNode Root)[] trees, double[]? thresholds = null)
    {
        var param = new JsonObject { ["featuresCol"] = featuresCol, ["labelCol"] = "Top-up" };
        if (thresholds is not null) param["thresholds"] = Array(thresholds);
        var defaults = TreeDefaults();
        defaults["lossType"] = "logistic";
        defaults["maxIter"] = trees.Length;
        defaults["stepSize"] = 0.1;
        defaults["impurity"] = "variance";
        var extra = new JsonObject { ["numFeatures"] = numFeatures, ["numTrees"] = trees.Length };
        return Add(uid, "org.apache.spark.ml.classification.GBTClassificationModel", param, defaults, extra,
            dir => WriteEnsemble(dir, trees, "org.apache.spark.ml.regression.DecisionTreeRegressionModel"));
    }

    public SparkModelFolder RandomForest(string uid, string featuresCol, int numFeatures, TreeNode[] trees, double[]? thresholds = null)
    {
        var param = new JsonObject { ["featuresCol"] = featuresCol };
        if (thresholds is not null) param["thresholds"] = Array(thresholds);
        var defaults = TreeDefaults();
        defaults["numTrees"] = trees.Length;
        defaults["bootstrap"] = true;
        defaults["impurity"] = "gini";
        var extra = new JsonObject { ["numFeatures"] = numFeatures, ["numClasses"] = 2, ["numTrees"] = trees.Length };
        return Add(uid, "org.apache.spark.ml.classification.RandomForestClassificationModel", param, defaults, extra,
            dir => WriteEnsemble(dir, trees.Select(t => (1.0, t)).ToArray(), "org.apache.spark.ml.classification.DecisionTreeClassificationModel"));
    }

    public SparkModelFolder DecisionTree(string uid, string featuresCol, int numFeatures, TreeNode root)
    {
        var param = new JsonObject { ["featuresCol"] = featuresCol };
        var defaults = TreeDefaults();
        defaults["impurity"] = "gini";
        var extra = new JsonObject { ["numFeatures"] = numFeatures, ["numClasses"] = 2 };
        return Add(uid, "org.apache.spark.ml.classification.DecisionTreeClassificationModel", param, defaults, extra,
            dir => WriteParquet(Path.Combine(dir, "data"), NodeSchema(), Flatten(root).Select(NodeRow).ToList()));
    }

    /// <summary>A binary LR; <paramref name="sparseCoefficients"/> stores the coefficients as a CSR (transposed) sparse matrix.</summary>
    public SparkModelFolder LogisticRegression(string uid, string featuresCol, double[] coefficients, double intercept,
        double? threshold = null, double[]? thresholds = null, bool sparseCoefficients = false, bool multinomial = false)
    {
        var param = new JsonObject { ["featuresCol"] = featuresCol, ["regParam"] = 0.01 };
        if (threshold is not null) param["threshold"] = threshold.Value;
        if (thresholds is not null) param["thresholds"] = Array(thresholds);
        var defaults = new JsonObject { ["threshold"] = 0.5, ["family"] = "auto", ["fitIntercept"] = true, ["maxIter"] = 100, ["tol"] = 1e-6, ["standardization"] = true, ["featuresCol"] = "features" };
        var schema = new ParquetSchema(
            new DataField<int>("numClasses"), new DataField<int>("numFeatures"), VectorField("interceptVector"),
            new StructField("coefficientMatrix",
                new DataField<sbyte>("type"), new DataField<int>("numRows"), new DataField<int>("numCols"),
                new ListField("colPtrs", new DataField<int>("element")), new ListField("rowIndices", new DataField<int>("element")),
                new ListField("values", new DataField<double>("element")), new DataField<bool>("isTransposed")),
            new DataField<bool>("isMultinomial"));
        var nonZero = Enumerable.Range(0, coefficients.Length).Where(i => coefficients[i] != 0).ToList();
        var matrix = sparseCoefficients
            ? new Dictionary<string, object?>
            {
                ["type"] = (sbyte)0, ["numRows"] = 1, ["numCols"] = coefficients.Length,
                ["colPtrs"] = new List<int> { 0, nonZero.Count }, ["rowIndices"] = nonZero,
                ["values"] = nonZero.Select(i => coefficients[i]).ToList(), ["isTransposed"] = true,
            }
            : new Dictionary<string, object?>
            {
                ["type"] = (sbyte)1, ["numRows"] = 1, ["numCols"] = coefficients.Length,
                ["colPtrs"] = new List<int>(), ["rowIndices"] = new List<int>(),
                ["values"] = coefficients.ToList(), ["isTransposed"] = true,
            };
        var row = new Dictionary<string, object?>
        {
            ["numClasses"] = 2, ["numFeatures"] = coefficients.Length, ["interceptVector"] = DenseVector([intercept]),
            ["coefficientMatrix"] = matrix, ["isMultinomial"] = multinomial,
        };
        return Add(uid, "org.apache.spark.ml.classification.LogisticRegressionModel", param, defaults, null, dir => WriteParquet(Path.Combine(dir, "data"), schema, [row]));
    }

    /// <summary>A stage of any class, with no data (for unsupported-stage errors).</summary>
    public SparkModelFolder Other(string uid, string sparkClass, JsonObject paramMap) =>
        Add(uid, sparkClass, paramMap, [], null, null);

    public async Task<string> SaveAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        await WriteMetadataAsync(Directory, "org.apache.spark.ml.PipelineModel", "PipelineModel_test",
            new JsonObject { ["stageUids"] = Array(_stages.Select(s => s.Uid).ToArray()) }, [], null);
        for (var i = 0; i < _stages.Count; i++)
        {
            var stage = _stages[i];
            var folder = Path.Combine(Directory, "stages", $"{i}_{stage.Uid}");
            await WriteMetadataAsync(folder, stage.Class, stage.Uid, stage.ParamMap, stage.Defaults, stage.Extra);
            if (stage.WriteData is not null) await stage.WriteData(folder);
        }
        return Directory;
    }

    private SparkModelFolder Add(string uid, string sparkClass, JsonObject paramMap, JsonObject defaults, JsonObject? extra, Func<string, Task>? writeData)
    {
        _stages.Add((uid, sparkClass, paramMap, defaults, extra, writeData));
        return this;
    }

    private async Task WriteMetadataAsync(string folder, string sparkClass, string uid, JsonObject paramMap, JsonObject defaults, JsonObject? extra)
    {
        var metadata = new JsonObject
        {
            ["class"] = sparkClass,
            ["timestamp"] = 1660350770552,
            ["sparkVersion"] = sparkVersion,
            ["uid"] = uid,
            ["paramMap"] = paramMap.DeepClone(),
            ["defaultParamMap"] = defaults.DeepClone(),
        };
        if (extra is not null)
            foreach (var (key, value) in extra) metadata[key] = value?.DeepClone();
        var dir = Path.Combine(folder, "metadata");
        System.IO.Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "part-00000"), metadata.ToJsonString());
        await File.WriteAllTextAsync(Path.Combine(dir, "_SUCCESS"), "");
    }

    private static JsonObject TreeDefaults() => new()
    {
        ["maxDepth"] = 5, ["maxBins"] = 32, ["minInstancesPerNode"] = 1, ["minInfoGain"] = 0.0, ["seed"] = 42L,
        ["cacheNodeIds"] = false, ["checkpointInterval"] = 10, ["featuresCol"] = "features", ["labelCol"] = "label",
        ["predictionCol"] = "prediction", ["probabilityCol"] = "probability", ["rawPredictionCol"] = "rawPrediction", ["leafCol"] = "",
    };

    private static async Task WriteEnsemble(string stageFolder, (double Weight, TreeNode Root)[] trees, string treeClass)
    {
        var nodes = new List<IDictionary<string, object?>>();
        for (var t = 0; t < trees.Length; t++)
            nodes.AddRange(Flatten(trees[t].Root).Select(n => (IDictionary<string, object?>)new Dictionary<string, object?> { ["treeID"] = t, ["nodeData"] = NodeRow(n) }));
        var ensembleSchema = new ParquetSchema(new DataField<int>("treeID"), new StructField("nodeData", NodeSchema().Fields.ToArray()));
        await WriteParquet(Path.Combine(stageFolder, "data"), ensembleSchema, nodes);
        var metadataSchema = new ParquetSchema(new DataField<int>("treeID"), new DataField<string>("metadata"), new DataField<double>("weights"));
        var metadataRows = trees.Select((tree, t) => (IDictionary<string, object?>)new Dictionary<string, object?>
        {
            ["treeID"] = t,
            ["metadata"] = new JsonObject { ["class"] = treeClass, ["uid"] = $"dt_{t}", ["paramMap"] = new JsonObject(), ["defaultParamMap"] = new JsonObject() }.ToJsonString(),
            ["weights"] = tree.Weight,
        }).ToList();
        await WriteParquet(Path.Combine(stageFolder, "treesMetadata"), metadataSchema, metadataRows);
    }

    private static ParquetSchema NodeSchema() => new(
        new DataField<int>("id"), new DataField<double>("prediction"), new DataField<double>("impurity"),
        new ListField("impurityStats", new DataField<double>("element")), new DataField<long>("rawCount"), new DataField<double>("gain"),
        new DataField<int>("leftChild"), new DataField<int>("rightChild"),
        new StructField("split", new DataField<int>("featureIndex"), new ListField("leftCategoriesOrThreshold", new DataField<double>("element")), new DataField<int>("numCategories")));

    private static Dictionary<string, object?> NodeRow(FlatNode node) => new()
    {
        ["id"] = node.Id,
        ["prediction"] = node.Node.Prediction,
        ["impurity"] = 0.0,
        ["impurityStats"] = node.Node.Stats.ToList(),
        ["rawCount"] = (long)node.Node.Stats.Sum(),
        ["gain"] = node.Node.IsLeaf ? -1.0 : 0.1,
        ["leftChild"] = node.Left,
        ["rightChild"] = node.Right,
        ["split"] = node.Node.IsLeaf
            ? new Dictionary<string, object?> { ["featureIndex"] = -1, ["leftCategoriesOrThreshold"] = new List<double>(), ["numCategories"] = -1 }
            : new Dictionary<string, object?>
            {
                ["featureIndex"] = node.Node.Feature,
                ["leftCategoriesOrThreshold"] = node.Node.LeftCategoriesOrThreshold.ToList(),
                ["numCategories"] = node.Node.NumCategories,
            },
    };

    private sealed record FlatNode(int Id, TreeNode Node, int Left, int Right);

    /// <summary>Pre-order ids, as Spark's NodeData.build assigns them; written in shuffled order to prove the reader sorts.</summary>
    private static List<FlatNode> Flatten(TreeNode root)
    {
        var result = new List<FlatNode>();
        int Visit(TreeNode node)
        {
            var id = result.Count;
            result.Add(null!);
            if (node.IsLeaf)
            {
                result[id] = new FlatNode(id, node, -1, -1);
                return id;
            }
            var left = Visit(node.Left!);
            var right = Visit(node.Right!);
            result[id] = new FlatNode(id, node, left, right);
            return id;
        }
        Visit(root);
        return result.OrderByDescending(n => n.Id % 3).ThenBy(n => n.Id).ToList();
    }

    private static StructField VectorField(string name) => new(name,
        new DataField<sbyte>("type"), new DataField<int?>("size"),
        new ListField("indices", new DataField<int>("element")), new ListField("values", new DataField<double>("element")));

    private static Dictionary<string, object?> DenseVector(double[] values) => new()
    {
        ["type"] = (sbyte)1, ["size"] = null, ["indices"] = new List<int>(), ["values"] = values.ToList(),
    };

    private static async Task WriteParquet(string folder, ParquetSchema schema, IReadOnlyCollection<IDictionary<string, object?>> rows)
    {
        System.IO.Directory.CreateDirectory(folder);
        await using (var stream = File.Create(Path.Combine(folder, $"part-00000-{Guid.NewGuid()}-c000.snappy.parquet")))
            await ParquetSerializer.SerializeUntypedAsync(rows, schema, stream);
        await File.WriteAllTextAsync(Path.Combine(folder, "_SUCCESS"), "");
    }

    private static JsonArray Array<T>(IEnumerable<T> values) => new(values.Select(v => JsonValue.Create(v)).ToArray<JsonNode?>());
}

/// <summary>A test tree: a leaf (prediction and class counts) or a split with two children.</summary>
internal sealed record TreeNode(double Prediction, double[] Stats, int Feature, double[] LeftCategoriesOrThreshold, int NumCategories, TreeNode? Left, TreeNode? Right)
{
    public bool IsLeaf => Left is null;

    public static TreeNode Leaf(double prediction, params double[] stats) => new(prediction, stats, -1, [], -1, null, null);

    /// <summary>Goes left when feature ≤ threshold.</summary>
    public static TreeNode Continuous(int feature, double threshold, TreeNode left, TreeNode right) =>
        new(0, [1, 1], feature, [threshold], -1, left, right);

    /// <summary>Goes left when the feature's value is one of <paramref name="leftCategories"/>.</summary>
    public static TreeNode Categorical(int feature, double[] leftCategories, int numCategories, TreeNode left, TreeNode right) =>
        new(0, [1, 1], feature, leftCategories, numCategories, left, right);
}
