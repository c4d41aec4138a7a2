using Microsoft.ML.Trainers.FastTree;
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
    /// <exception cref="ModelFileException">A categorical split, or a tree this flattening cannot follow.</exception>
    public static TreeEnsembleScorer FromMlNet(RegressionTreeEnsemble ensemble, FeatureLayout layout, PlattCalibration calibration, string modelName)
    {
        if (ensemble.Trees.Count == 0) throw new ModelFileException($"{modelName}: the model has no trees");
        var flattened = new Flattened();
        for (var t = 0; t < ensemble.Trees.Count; t++)
        {
            var tree = ensemble.Trees[t];
            var treeName = $"{modelName} tree {t}";
            if (tree.NumberOfLeaves > 1)
            {
                flattened.Roots.Add(AddMlNetNode(flattened, tree, 0, layout, treeName));
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
    private static int AddMlNetNode(Flattened flattened, RegressionTree tree, int child, FeatureLayout layout, string treeName)
    {
        if (child < 0)
        {
            var leaf = ~child;
            if (leaf >= tree.NumberOfLeaves) throw new ModelFileException($"{treeName}: leaf {leaf} out of range");
            return flattened.AddLeaf(leaf, tree.LeafValues[leaf], 0, votes: true);
        }
        if (tree.CategoricalSplitFlags[child])
            throw new ModelFileException($"{treeName} node {child}: categorical splits are not compiled");
        var feature = tree.NumericalSplitFeatureIndexes[child];
        if (feature < 0 || feature >= layout.Size)
            throw new ModelFileException($"{treeName} node {child}: split on feature {feature}, but the features vector has {layout.Size}");
        var left = tree.LeftChild[child];
        var right = tree.RightChild[child];
        // ML.NET numbers a split after the one it came from, which also rules out cycles.
        if (left >= 0 && (left <= child || left >= tree.NumberOfNodes) || right >= 0 && (right <= child || right >= tree.NumberOfNodes))
            throw new ModelFileException($"{treeName} node {child}: children {left}/{right} out of order");

        var index = flattened.Nodes.Count;
        flattened.Nodes.Add(default);
        var leftIndex = AddMlNetNode(flattened, tree, left, layout, treeName);
        var rightIndex = AddMlNetNode(flattened, tree, right, layout, treeName);
        flattened.Nodes[index] = SplitOn(layout, feature, new FlatNode
        {
            Test = NodeTest.Continuous,
            Threshold = tree.NumericalSplitThresholds[child],
            Left = leftIndex,
            Right = rightIndex,
            SourceId = child,
        });
        return index;
    }
}
