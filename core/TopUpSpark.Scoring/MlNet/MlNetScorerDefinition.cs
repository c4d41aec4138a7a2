namespace TopUpSpark.Scoring.MlNet;

/// <summary>
/// A trained model as <see cref="CompiledMlNetModel"/> scores it, in plain numbers: what <see cref="MlNetModelCompiler"/>
/// reads from ML.NET's objects, and what <c>topup-models train</c> stores beside them (<see cref="MlNetModelFile.ScorerEntry"/>)
/// so that loading the model needs no ML.NET. Floats and doubles survive JSON exactly (shortest round-trip form).
/// </summary>
/// <param name="Model">The trainer's model type (FastTreeBinaryModelParameters, …), for messages.</param>
/// <param name="Replacements">Per numeric input: the value ReplaceMissingValues puts in for a NaN.</param>
/// <param name="Tokens">The bag's "column=value" tokens (<see cref="MlNetInputRow.Token"/>), in the order of their slots.</param>
/// <param name="PlattSlope">The Platt calibrator's slope.</param>
/// <param name="PlattOffset">The Platt calibrator's offset.</param>
/// <param name="Trees">A FastTree or LightGBM model's trees; null for a linear model.</param>
/// <param name="Linear">A logistic regression's weights; null for trees.</param>
internal sealed record MlNetScorerDefinition(
    string Model,
    float[] Replacements,
    string[] Tokens,
    double PlattSlope,
    double PlattOffset,
    IReadOnlyList<MlNetTree>? Trees,
    MlNetLinearWeights? Linear);

/// <summary>
/// ML.NET's RegressionTree: node n sends a row left when feature <c>SplitFeatures[n]</c> ≤ <c>Thresholds[n]</c>; a child
/// ≥ 0 is a node, a child c &lt; 0 is leaf ~c. A tree of one leaf has no nodes.
/// </summary>
internal sealed record MlNetTree(int[] SplitFeatures, float[] Thresholds, int[] LeftChild, int[] RightChild, double[] LeafValues);

/// <summary>ML.NET's LinearBinaryModelParameters (weights, bias) and the NormalizeMinMax scales before it, per feature.</summary>
internal sealed record MlNetLinearWeights(float[] Weights, float Bias, float[] Scales);
