using System.Runtime.InteropServices;

namespace TopUpSpark.Scoring.Spark;

/// <summary>
/// GBT / random forest / decision tree classifiers flattened into one node array. Splits on one-hot
/// features are resolved when compiling: such a feature can only be hot, cold or NaN, so each node keeps
/// the three outcomes of Spark's split test and the walk needs no feature vector at all. Scoring finds the
/// leaves through <see cref="LeafSets"/> when the trees allow it; explaining walks them.
/// </summary>
internal sealed partial class TreeEnsembleScorer : IClassifierScorer
{
    private enum NodeTest : byte { Leaf, Continuous, Categorical, OneHot }

    private enum Voting { GradientBoosted, RandomForest, SingleTree }

    /// <summary>Up to this many trees, a row's per-tree scratch lives on the stack.</summary>
    private const int MaxStackTrees = 8192;

    [StructLayout(LayoutKind.Auto)]
    private struct FlatNode
    {
        public NodeTest Test;
        /// <summary>Bit 0: go left when cold, bit 1: when hot, bit 2: when null (one-hot tests only).</summary>
        public byte OneHotOutcomes;
        /// <summary>Categorical tests: Spark's CategoricalSplit.isLeft.</summary>
        public bool CategoriesAreLeft;
        /// <summary>Scalar feature (continuous, categorical), one-hot column (one-hot), or leaf payload index.</summary>
        public int Slot;
        public int Position;
        public int Left;
        public int Right;
        public double Threshold;
        public double[]? Categories;
        /// <summary>The node's id in Spark's tree (pre-order), for explaining a walk.</summary>
        public int SparkId;
    }

    private readonly FlatNode[] _nodes;
    private readonly int[] _roots;
    private readonly double[] _leafFirst;
    private readonly double[] _leafSecond;
    private readonly bool[] _leafVotes;
    private readonly Voting _voting;
    private readonly double[]? _thresholds;
    private readonly string _stageName;
    private readonly LeafSets? _leafSets;

    public TreeEnsembleScorer(TreeClassifierStage stage, FeatureLayout layout)
    {
        _stageName = stage.ToString();
        _voting = stage switch
        {
            GbtClassifierStage => Voting.GradientBoosted,
            RandomForestClassifierStage => Voting.RandomForest,
            _ => Voting.SingleTree,
        };
        if (stage.NumClasses != 2)
            throw new ModelFileException($"{_stageName}: only binary classifiers can score top-ups (numClasses={stage.NumClasses})");
        if (stage.Trees.Count == 0)
            throw new ModelFileException($"{_stageName}: the model has no trees");
        if (_voting == Voting.SingleTree && stage.Trees.Count != 1)
            throw new ModelFileException($"{_stageName}: a decision tree model must hold exactly one tree, found {stage.Trees.Count}");
        if (stage.Thresholds is { } thresholds)
        {
            if (thresholds.Count != 2)
                throw new ModelFileException($"{_stageName}: thresholds must have 2 values for a binary classifier, found {thresholds.Count}");
            _thresholds = thresholds.ToArray();
        }

        var nodes = new List<FlatNode>();
        var leafFirst = new List<double>();
        var leafSecond = new List<double>();
        var leafVotes = new List<bool>();
        _roots = new int[stage.Trees.Count];
        for (var t = 0; t < stage.Trees.Count; t++)
        {
            var tree = stage.Trees[t];
            var treeName = $"{_stageName} tree {t}";
            ValidateTree(tree, treeName);
            var baseIndex = nodes.Count;
            _roots[t] = baseIndex;
            foreach (var node in tree.Nodes)
            {
                if (node.IsLeaf)
                {
                    var (first, second, votes) = LeafPayload(node, tree.Weight, treeName);
                    nodes.Add(new FlatNode { Test = NodeTest.Leaf, Slot = leafFirst.Count, SparkId = node.Id });
                    leafFirst.Add(first);
                    leafSecond.Add(second);
                    leafVotes.Add(votes);
                }
                else
                {
                    nodes.Add(CompileSplit(node, layout, baseIndex, treeName));
                }
            }
        }
        _nodes = nodes.ToArray();
        _leafFirst = leafFirst.ToArray();
        _leafSecond = leafSecond.ToArray();
        _leafVotes = leafVotes.ToArray();
        TreeCount = _roots.Length;
        _leafSets = LeafSets.TryBuild(_nodes, _roots);
    }

    public int TreeCount { get; }

    public RawScore Score(ReadOnlySpan<double> scalarFeatures, ReadOnlySpan<int> oneHotStates, Span<int> leafIds)
    {
        Span<int> leaves = _roots.Length <= MaxStackTrees ? stackalloc int[_roots.Length] : new int[_roots.Length];
        if (_leafSets is not null && leafIds.IsEmpty)
            _leafSets.FindLeaves(scalarFeatures, oneHotStates, leaves);
        else
            for (var t = 0; t < _roots.Length; t++) leaves[t] = Walk(t, scalarFeatures, oneHotStates, leafIds);

        switch (_voting)
        {
            case Voting.GradientBoosted:
            {
                // margin = Σ treeWeight·leafPrediction in tree order (BLAS ddot, summed left to right).
                var margin = 0.0;
                foreach (var leaf in leaves) margin += _leafFirst[leaf];
                // rawPrediction = [−margin, margin]; probability(0) = LogLoss.computeProbability(raw(0)).
                var raw0 = -margin;
                var probability0 = 1.0 / (1.0 + Math.Exp(-2.0 * raw0));
                return Finish(raw0, margin, probability0, 1.0 - probability0);
            }
            case Voting.RandomForest:
            {
                double votes0 = 0, votes1 = 0;
                foreach (var leaf in leaves)
                {
                    if (!_leafVotes[leaf]) continue;
                    votes0 += _leafFirst[leaf];
                    votes1 += _leafSecond[leaf];
                }
                return Normalized(votes0, votes1);
            }
            default:
                return Normalized(_leafFirst[leaves[0]], _leafSecond[leaves[0]]);
        }
    }

    /// <summary>ProbabilisticClassificationModel.normalizeToProbabilitiesInPlace, then the prediction.</summary>
    private RawScore Normalized(double raw0, double raw1)
    {
        var sum = raw0 + raw1;
        if (!(sum > 0))
            throw new ScoringException(ScoringFailureKind.Rejected,
                $"{_stageName}: the leaves reached hold no class counts; Spark fails such a row with \"Can't normalize the 0-vector\"");
        return Finish(raw0, raw1, raw0 / sum, raw1 / sum);
    }

    private RawScore Finish(double raw0, double raw1, double probability0, double probability1)
    {
        int prediction;
        if (_thresholds is null)
        {
            // raw2prediction without thresholds: argmax of the raw prediction (first index wins ties).
            prediction = raw1 > raw0 ? 1 : 0;
        }
        else
        {
            prediction = SparkPrediction.FromProbabilities(probability0, probability1, _thresholds);
        }
        return new RawScore(raw0, raw1, probability0, probability1, prediction);
    }

    private int Walk(int tree, ReadOnlySpan<double> scalarFeatures, ReadOnlySpan<int> oneHotStates, Span<int> leafIds)
    {
        var nodes = _nodes;
        var index = _roots[tree];
        while (true)
        {
            ref readonly var node = ref nodes[index];
            switch (node.Test)
            {
                case NodeTest.Continuous:
                    // NaN compares false, so it goes right, as in Spark's ContinuousSplit.
                    index = scalarFeatures[node.Slot] <= node.Threshold ? node.Left : node.Right;
                    break;
                case NodeTest.OneHot:
                {
                    var state = oneHotStates[node.Slot];
                    var outcome = state == node.Position ? 1 : state == FeatureLayout.NullVector ? 2 : 0;
                    index = ((node.OneHotOutcomes >> outcome) & 1) != 0 ? node.Left : node.Right;
                    break;
                }
                case NodeTest.Categorical:
                    index = CategoricalGoesLeft(scalarFeatures[node.Slot], node.Categories!, node.CategoriesAreLeft) ? node.Left : node.Right;
                    break;
                default:
                    if (!leafIds.IsEmpty) leafIds[tree] = node.SparkId;
                    return node.Slot;
            }
        }
    }

    /// <summary>Spark's CategoricalSplit.shouldGoLeft: membership by double equality (NaN is never a member).</summary>
    private static bool CategoricalGoesLeft(double value, double[] categories, bool categoriesAreLeft)
    {
        var member = false;
        foreach (var category in categories)
        {
            if (category == value) { member = true; break; }
        }
        return categoriesAreLeft ? member : !member;
    }

    private static bool GoesLeft(SparkSplit split, double value, double[]? categories, bool categoriesAreLeft) =>
        split.IsCategorical
            ? CategoricalGoesLeft(value, categories!, categoriesAreLeft)
            : value <= split.LeftCategoriesOrThreshold[0];

    private FlatNode CompileSplit(SparkTreeNode node, FeatureLayout layout, int baseIndex, string treeName)
    {
        var split = node.Split!;
        if (split.FeatureIndex < 0 || split.FeatureIndex >= layout.Size)
            throw new ModelFileException($"{treeName} node {node.Id}: split on feature {split.FeatureIndex}, but the features vector has {layout.Size}");
        double[]? categories = null;
        var categoriesAreLeft = false;
        if (split.IsCategorical)
        {
            var left = split.LeftCategoriesOrThreshold;
            if (split.NumCategories < 1 || left.Any(c => !(c >= 0 && c < split.NumCategories)))
                throw new ModelFileException(
                    $"{treeName} node {node.Id}: invalid categorical split (left categories [{string.Join(",", left)}], numCategories {split.NumCategories})");
            // CategoricalSplit keeps the smaller side: the left set when it has at most numCategories/2 (integer division) members.
            categoriesAreLeft = left.Count <= split.NumCategories / 2;
            categories = categoriesAreLeft
                ? left.Distinct().ToArray()
                : Enumerable.Range(0, split.NumCategories).Select(c => (double)c).Where(c => !left.Contains(c)).ToArray();
        }
        else if (split.LeftCategoriesOrThreshold.Count != 1)
        {
            throw new ModelFileException(
                $"{treeName} node {node.Id}: a continuous split needs exactly 1 threshold, found {split.LeftCategoriesOrThreshold.Count}");
        }

        var flat = new FlatNode
        {
            Left = baseIndex + node.LeftChild,
            Right = baseIndex + node.RightChild,
            SparkId = node.Id,
            Categories = categories,
            CategoriesAreLeft = categoriesAreLeft,
            Threshold = split.IsCategorical ? double.NaN : split.LeftCategoriesOrThreshold[0],
        };
        var source = layout.Source(split.FeatureIndex);
        if (source.IsOneHot)
        {
            flat.Test = NodeTest.OneHot;
            flat.Slot = source.Slot;
            flat.Position = source.Position;
            var feature = split.FeatureIndex;
            var outcomes = 0;
            if (GoesLeft(split, layout.ColdValue(feature), categories, categoriesAreLeft)) outcomes |= 1;
            if (GoesLeft(split, layout.HotValue(feature), categories, categoriesAreLeft)) outcomes |= 2;
            if (GoesLeft(split, layout.NullValue(feature), categories, categoriesAreLeft)) outcomes |= 4;
            flat.OneHotOutcomes = (byte)outcomes;
        }
        else
        {
            flat.Test = split.IsCategorical ? NodeTest.Categorical : NodeTest.Continuous;
            flat.Slot = source.Slot;
        }
        return flat;
    }

    private (double First, double Second, bool Votes) LeafPayload(SparkTreeNode leaf, double weight, string treeName)
    {
        switch (_voting)
        {
            case Voting.GradientBoosted:
                return (leaf.Prediction * weight, 0, true);
            default:
            {
                var stats = leaf.ImpurityStats;
                if (stats.Count != 2)
                    throw new ModelFileException($"{treeName} leaf {leaf.Id}: expected 2 class counts in impurityStats, found {stats.Count}");
                if (stats[0] < 0 || stats[1] < 0)
                    throw new ModelFileException($"{treeName} leaf {leaf.Id}: negative class counts in impurityStats");
                if (_voting == Voting.SingleTree) return (stats[0], stats[1], true);
                var total = stats[0] + stats[1];
                return total != 0 ? (stats[0] / total, stats[1] / total, true) : (0, 0, false);
            }
        }
    }

    private static void ValidateTree(SparkTree tree, string treeName)
    {
        var nodes = tree.Nodes;
        if (nodes.Count == 0) throw new ModelFileException($"{treeName}: no nodes");
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (node.Id != i)
                throw new ModelFileException($"{treeName}: node ids must be 0..{nodes.Count - 1} in order, found id {node.Id} at position {i}");
            if (node.IsLeaf) continue;
            // Pre-order ids: children come after their parent, which also rules out cycles.
            if (node.LeftChild <= i || node.LeftChild >= nodes.Count || node.RightChild <= i || node.RightChild >= nodes.Count)
                throw new ModelFileException($"{treeName} node {i}: children {node.LeftChild}/{node.RightChild} out of range");
            if (node.Split is null)
                throw new ModelFileException($"{treeName} node {i}: internal node without a split");
        }
    }
}
