using TopUpSpark.Scoring.MlNet;

namespace TopUpSpark.Scoring.Spark;

internal sealed partial class TreeEnsembleScorer
{
    /// <summary>
    /// ML.NET's FastTree or LightGBM binary model (a TreeEnsembleModelParameters): every split tests
    /// value ≤ threshold, a float against a float (exact in double too), and TreeEnsembleModelParameters.Map
    /// adds the leaves' values as they are, in tree order (the trees' weights and the ensemble's bias are
    /// not applied), then rounds the sum to a float score for the Platt calibrator. NaN never reaches these
    /// trees in the pipelines compiled here, so ML.NET's per-node default for a missing value plays no part.
    /// </summary>
    /// <exception cref="ModelFileException">A tree this flattening cannot follow.</exception>
    public static TreeEnsembleScorer FromMlNet(IReadOnlyList<MlNetTree> trees, FeatureLayout layout, PlattCalibration calibration, string modelName)
    {
        if (trees.Count == 0) throw new ModelFileException($"{modelName}: the model has no trees");
        var flattened = new Flattened();
        for (var t = 0; t < trees.Count; t++)
        {
            var tree = trees[t];
            var treeName = $"{modelName} tree {t}";
            var nodes = tree.SplitFeatures.Length;
            if (tree.Thresholds.Length != nodes || tree.LeftChild.Length != nodes || tree.RightChild.Length != nodes || tree.LeafValues.Length != nodes + 1)
                throw new ModelFileException($"{treeName}: {nodes} split features, {tree.Thresholds.Length} thresholds, " +
                                             $"{tree.LeftChild.Length}/{tree.RightChild.Length} children and {tree.LeafValues.Length} leaves do not make a binary tree");
            if (nodes > 0)
            {
                flattened.Roots.Add(AddMlNetNode(flattened, tree, 0, layout, new bool[2 * nodes + 1], treeName));
                continue;
            }
            // InternalRegressionTree.GetOutput answers 0 for a tree without splits, whatever its one leaf holds.
            if (tree.LeafValues[0] != 0)
                throw new ModelFileException($"{treeName}: a tree without splits holds {tree.LeafValues[0]:R}, which ML.NET ignores");
            flattened.Roots.Add(flattened.AddLeaf(0, 0.0, 0, votes: true));
        }
        return new TreeEnsembleScorer(modelName, Voting.CalibratedSum, flattened, null, calibration);
    }

    /// <summary>
    /// Adds the subtree at <paramref name="child"/> (a node index, or ~leaf index) in pre-order, so that its
    /// leaves come left to right, and returns the index of its root in the flat array.
    /// </summary>
    /// <param name="reached">Per node, then per leaf: whether the walk has been there, so that each is reached once, as in a tree.</param>
    private static int AddMlNetNode(Flattened flattened, MlNetTree tree, int child, FeatureLayout layout, bool[] reached, string treeName)
    {
        var nodes = tree.SplitFeatures.Length;
        var at = child < 0 ? nodes + ~child : child;
        if (at >= reached.Length) throw new ModelFileException($"{treeName}: leaf {~child} out of range");
        if (reached[at]) throw new ModelFileException($"{treeName}: {(child < 0 ? $"leaf {~child}" : $"node {child}")} is reached twice");
        reached[at] = true;
        if (child < 0) return flattened.AddLeaf(~child, tree.LeafValues[~child], 0, votes: true);
        var feature = tree.SplitFeatures[child];
        if (feature < 0 || feature >= layout.Size)
            throw new ModelFileException($"{treeName} node {child}: split on feature {feature}, but the features vector has {layout.Size}");
        var left = tree.LeftChild[child];
        var right = tree.RightChild[child];
        // ML.NET numbers a split after the one it came from, which also rules out cycles.
        if (left >= 0 && (left <= child || left >= nodes) || right >= 0 && (right <= child || right >= nodes))
            throw new ModelFileException($"{treeName} node {child}: children {left}/{right} out of order");

        var index = flattened.Nodes.Count;
        flattened.Nodes.Add(default);
        var leftIndex = AddMlNetNode(flattened, tree, left, layout, reached, treeName);
        var rightIndex = AddMlNetNode(flattened, tree, right, layout, reached, treeName);
        flattened.Nodes[index] = SplitOn(layout, feature, new FlatNode
        {
            Test = NodeTest.Continuous,
            Threshold = tree.Thresholds[child],
            Left = leftIndex,
            Right = rightIndex,
            SourceId = child,
        });
        return index;
    }
}
