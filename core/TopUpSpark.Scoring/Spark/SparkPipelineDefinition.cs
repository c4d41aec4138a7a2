using System.Text.Json.Serialization;

namespace TopUpSpark.Scoring.Spark;

/// <summary>
/// A Spark ML <c>PipelineModel</c> as plain data: its stages in order, each with the params and fitted
/// values that scoring needs, exactly as Spark saved them. <c>topup-models import-spark</c> builds it from
/// a saved folder; <see cref="SparkPipelineFile"/> stores it; <see cref="SparkPipelineCompiler"/> turns it
/// into a fast scorer.
/// </summary>
public sealed record SparkPipelineDefinition(string SparkVersion, string Uid, IReadOnlyList<SparkStage> Stages);

/// <summary>One fitted pipeline stage; the JSON discriminator is Spark's class name without its package.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "class")]
[JsonDerivedType(typeof(StringIndexerStage), StringIndexerStage.SparkClass)]
[JsonDerivedType(typeof(OneHotEncoderStage), OneHotEncoderStage.SparkClass)]
[JsonDerivedType(typeof(VectorAssemblerStage), VectorAssemblerStage.SparkClass)]
[JsonDerivedType(typeof(StandardScalerStage), StandardScalerStage.SparkClass)]
[JsonDerivedType(typeof(GbtClassifierStage), GbtClassifierStage.SparkClass)]
[JsonDerivedType(typeof(RandomForestClassifierStage), RandomForestClassifierStage.SparkClass)]
[JsonDerivedType(typeof(DecisionTreeClassifierStage), DecisionTreeClassifierStage.SparkClass)]
[JsonDerivedType(typeof(LogisticRegressionStage), LogisticRegressionStage.SparkClass)]
public abstract record SparkStage(string Uid)
{
    /// <summary>Spark's class name without its package, e.g. <c>StringIndexerModel</c>.</summary>
    [JsonIgnore]
    public abstract string ClassName { get; }

    public sealed override string ToString() => $"{ClassName} '{Uid}'";
}

/// <summary>
/// StringIndexerModel (single or multi-column): label → its position in the saved labels array (already in
/// the fitted <see cref="StringOrderType"/>). <see cref="HandleInvalid"/> is Spark's string: error, skip or keep.
/// </summary>
public sealed record StringIndexerStage(
    string Uid,
    IReadOnlyList<string> InputCols,
    IReadOnlyList<string> OutputCols,
    IReadOnlyList<IReadOnlyList<string>> LabelsArray,
    string HandleInvalid,
    string StringOrderType) : SparkStage(Uid)
{
    public const string SparkClass = "StringIndexerModel";
    public override string ClassName => SparkClass;
}

/// <summary>OneHotEncoderModel: <see cref="CategorySizes"/> are the fitted sizes (for a keep-indexer, labels + 1).</summary>
public sealed record OneHotEncoderStage(
    string Uid,
    IReadOnlyList<string> InputCols,
    IReadOnlyList<string> OutputCols,
    IReadOnlyList<int> CategorySizes,
    bool DropLast,
    string HandleInvalid) : SparkStage(Uid)
{
    public const string SparkClass = "OneHotEncoderModel";
    public override string ClassName => SparkClass;
}

/// <summary>VectorAssembler: concatenates numeric columns and vectors, in <see cref="InputCols"/> order.</summary>
public sealed record VectorAssemblerStage(
    string Uid,
    IReadOnlyList<string> InputCols,
    string OutputCol,
    string HandleInvalid) : SparkStage(Uid)
{
    public const string SparkClass = "VectorAssembler";
    public override string ClassName => SparkClass;
}

/// <summary>StandardScalerModel: per feature (x − mean) · (1/std), each part only when enabled.</summary>
public sealed record StandardScalerStage(
    string Uid,
    string InputCol,
    string OutputCol,
    bool WithMean,
    bool WithStd,
    IReadOnlyList<double> Mean,
    IReadOnlyList<double> Std) : SparkStage(Uid)
{
    public const string SparkClass = "StandardScalerModel";
    public override string ClassName => SparkClass;
}

/// <summary>
/// A tree-based binary classifier. <see cref="Thresholds"/> is Spark's optional per-class thresholds param
/// (null when not set, which is the usual case).
/// </summary>
public abstract record TreeClassifierStage(
    string Uid,
    string FeaturesCol,
    int NumFeatures,
    int NumClasses,
    IReadOnlyList<SparkTree> Trees,
    IReadOnlyList<double>? Thresholds) : SparkStage(Uid);

/// <summary>GBTClassificationModel (logistic loss): trees are regression trees, each with its weight.</summary>
public sealed record GbtClassifierStage(
    string Uid, string FeaturesCol, int NumFeatures, int NumClasses, IReadOnlyList<SparkTree> Trees, IReadOnlyList<double>? Thresholds)
    : TreeClassifierStage(Uid, FeaturesCol, NumFeatures, NumClasses, Trees, Thresholds)
{
    public const string SparkClass = "GBTClassificationModel";
    public override string ClassName => SparkClass;
}

/// <summary>RandomForestClassificationModel: each tree votes with its leaf's normalized class counts.</summary>
public sealed record RandomForestClassifierStage(
    string Uid, string FeaturesCol, int NumFeatures, int NumClasses, IReadOnlyList<SparkTree> Trees, IReadOnlyList<double>? Thresholds)
    : TreeClassifierStage(Uid, FeaturesCol, NumFeatures, NumClasses, Trees, Thresholds)
{
    public const string SparkClass = "RandomForestClassificationModel";
    public override string ClassName => SparkClass;
}

/// <summary>DecisionTreeClassificationModel: one tree; the leaf's class counts are the raw prediction.</summary>
public sealed record DecisionTreeClassifierStage(
    string Uid, string FeaturesCol, int NumFeatures, int NumClasses, IReadOnlyList<SparkTree> Trees, IReadOnlyList<double>? Thresholds)
    : TreeClassifierStage(Uid, FeaturesCol, NumFeatures, NumClasses, Trees, Thresholds)
{
    public const string SparkClass = "DecisionTreeClassificationModel";
    public override string ClassName => SparkClass;
}

/// <summary>
/// Binary LogisticRegressionModel. <see cref="Threshold"/> is Spark's effective threshold (getThreshold:
/// the threshold param, or 1/(1 + t0/t1) when thresholds were set). Coefficients are dense.
/// </summary>
public sealed record LogisticRegressionStage(
    string Uid,
    string FeaturesCol,
    int NumFeatures,
    IReadOnlyList<double> Coefficients,
    double Intercept,
    double Threshold) : SparkStage(Uid)
{
    public const string SparkClass = "LogisticRegressionModel";
    public override string ClassName => SparkClass;
}

/// <summary>One decision tree: its nodes by id (pre-order, root = 0) and its weight in the ensemble.</summary>
public sealed record SparkTree(double Weight, IReadOnlyList<SparkTreeNode> Nodes);

/// <summary>
/// One node as Spark saves it. Internal nodes have children and a split; leaves have
/// <see cref="LeftChild"/> = <see cref="RightChild"/> = −1 and no split.
/// </summary>
public sealed record SparkTreeNode(
    int Id,
    double Prediction,
    IReadOnlyList<double> ImpurityStats,
    int LeftChild,
    int RightChild,
    SparkSplit? Split)
{
    [JsonIgnore]
    public bool IsLeaf => LeftChild < 0;
}

/// <summary>
/// Spark's SplitData: continuous when <see cref="NumCategories"/> is −1 (left iff value ≤ the single
/// threshold), otherwise categorical (left iff value ∈ the left categories).
/// </summary>
public sealed record SparkSplit(int FeatureIndex, IReadOnlyList<double> LeftCategoriesOrThreshold, int NumCategories)
{
    [JsonIgnore]
    public bool IsCategorical => NumCategories != -1;
}
