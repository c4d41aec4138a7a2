using System.Text.Json;
using System.Text.Json.Nodes;
using TopUpSpark.Scoring;

namespace TopUpSpark.Models.SparkImport;

/// <summary>
/// A stage's <c>metadata/part-00000</c>: Spark class, version, uid, the params set explicitly
/// (<c>paramMap</c>) and their defaults (<c>defaultParamMap</c>), plus class-specific extras such as numFeatures.
/// </summary>
internal sealed class SparkStageMetadata
{
    private const string SparkPackagePrefix = "org.apache.spark.ml.";

    private readonly JsonObject _root;
    private readonly JsonObject _paramMap;
    private readonly JsonObject _defaultParamMap;

    private SparkStageMetadata(string folder, JsonObject root)
    {
        Folder = folder;
        _root = root;
        Class = Text(root, "class");
        SparkVersion = Text(root, "sparkVersion");
        Uid = Text(root, "uid");
        _paramMap = root["paramMap"] as JsonObject ?? [];
        _defaultParamMap = root["defaultParamMap"] as JsonObject ?? [];
    }

    public string Folder { get; }
    public string Class { get; }
    public string SparkVersion { get; }
    public string Uid { get; }

    /// <summary>The class name without its package, e.g. GBTClassificationModel.</summary>
    public string SimpleClass => Class[(Class.LastIndexOf('.') + 1)..];

    public string Name => $"{SimpleClass} '{Uid}'";

    public static SparkStageMetadata Read(string folder)
    {
        var path = Path.Combine(folder, "metadata", "part-00000");
        if (!File.Exists(path))
            throw new ModelFileException($"{folder}: no metadata/part-00000, so this is not a folder saved by Spark ML's save()");
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new ModelFileException($"{path}: metadata is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new ModelFileException($"{path}: metadata is not valid JSON: {e.Message}", e);
        }
        var metadata = new SparkStageMetadata(folder, root);
        metadata.CheckVersion();
        if (!metadata.Class.StartsWith(SparkPackagePrefix, StringComparison.Ordinal))
            throw new ModelFileException($"{metadata.Name}: class {metadata.Class} is not a Spark ML class");
        return metadata;
    }

    /// <summary>Spark 3.x layouts (labelsArray, rawCount in tree nodes, OneHotEncoderModel) are what this importer reads.</summary>
    private void CheckVersion()
    {
        var parts = SparkVersion.Split('.');
        if (parts.Length < 2 || !int.TryParse(parts[0], out var major) || !int.TryParse(parts[1], out _))
            throw new ModelFileException($"{Name}: unreadable sparkVersion '{SparkVersion}'");
        if (major != 3)
            throw new ModelFileException($"{Name}: saved by Spark {SparkVersion}, which is not supported (supported: Spark 3.x)");
    }

    public bool IsSet(string param) => _paramMap.ContainsKey(param);

    public JsonNode? Param(string param) => _paramMap[param] ?? _defaultParamMap[param];

    public string StringParam(string param, string? fallback = null) =>
        Param(param) is JsonValue value && value.TryGetValue<string>(out var text) ? text
        : fallback ?? throw new ModelFileException($"{Name}: param '{param}' missing");

    public bool BoolParam(string param, bool fallback) =>
        Param(param) is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : fallback;

    public double DoubleParam(string param, double fallback) =>
        Param(param) is JsonValue value && value.TryGetValue<double>(out var number) ? number : fallback;

    public string[] StringArrayParam(string param) =>
        Param(param) is JsonArray array
            ? array.Select(v => v?.GetValue<string>() ?? throw new ModelFileException($"{Name}: null in param '{param}'")).ToArray()
            : throw new ModelFileException($"{Name}: param '{param}' missing");

    public double[]? DoubleArrayParam(string param) =>
        Param(param) is JsonArray array ? array.Select(v => v!.GetValue<double>()).ToArray() : null;

    /// <summary>Spark's HasInputCol/HasInputCols pair: the array when set, else the single column.</summary>
    public string[] Columns(string single, string multiple) =>
        IsSet(multiple) || (!IsSet(single) && Param(multiple) is JsonArray) ? StringArrayParam(multiple) : [StringParam(single)];

    /// <summary>A class-specific number saved beside the params (numFeatures, numTrees, numClasses).</summary>
    public int Extra(string name) =>
        _root[name] is JsonValue value && value.TryGetValue<int>(out var number) ? number
        : throw new ModelFileException($"{Name}: metadata has no '{name}'");

    /// <summary>
    /// Every explicitly set param must be one this importer honours or one that cannot change scores (training
    /// settings, output column names); anything else is an error naming it. Unknown defaults only warn.
    /// </summary>
    public void CheckParams(IEnumerable<string> honoured, IEnumerable<string> notAffectingScores, List<string> warnings)
    {
        var known = honoured.Concat(notAffectingScores).Concat(CommonOutputParams).ToHashSet(StringComparer.Ordinal);
        foreach (var (param, _) in _paramMap)
            if (!known.Contains(param))
                throw new ModelFileException($"{Name}: param '{param}' is set and not supported by this importer");
        foreach (var (param, _) in _defaultParamMap)
            if (!known.Contains(param))
                warnings.Add($"{Name}: default param '{param}' is not known to this importer; ignored");
    }

    private static readonly string[] CommonOutputParams =
        ["outputCol", "predictionCol", "probabilityCol", "rawPredictionCol", "labelCol", "weightCol", "leafCol"];

    private static string Text(JsonObject root, string name) =>
        root[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text
        : throw new ModelFileException($"metadata has no '{name}'");
}
