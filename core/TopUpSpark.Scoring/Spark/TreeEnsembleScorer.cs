using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TopUpSpark.Scoring.MlNet;

namespace TopUpSpark.Scoring.Spark;

/// <summary>
/// Tree ensembles flattened into one node array: Spark's GBT / random forest / decision tree classifiers
/// and ML.NET's FastTree / LightGBM binary models. Splits on one-hot features are resolved when compiling:
/// such a feature can only be hot, cold or NaN, so each node keeps the three outcomes of its split test
/// and the walk needs no feature vector at all. Scoring finds the leaves through <see cref="LeafSets"/> when
/// the trees allow it; explaining walks them.
/// </summary>
internal sealed partial class TreeEnsembleScorer : IClassifierScorer
{
    private enum NodeTest : byte { Leaf, Continuous, Categorical, OneHot }

    /// <summary>How the leaves reached make the raw prediction.</summary>
    private enum Voting
    {
        GradientBoosted,
        RandomForest,
        SingleTree,
        /// <summary>ML.NET: the leaf values summed in tree order, as a float score, through a Platt calibrator.</summary>
        CalibratedSum,
    }

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
        /// <summary>The node's id in its tree as the source model numbers it (Spark: pre-order), for explaining a walk.</summary>
        public int SourceId;
    }

    /// <summary>The flat arrays while trees are added: nodes, each tree's root, and the leaves' payloads.</summary>
    private sealed class Flattened
    {
        public List<FlatNode> Nodes { get; } = [];
        public List<int> Roots { get; } = [];
        public List<double> LeafFirst { get; } = [];
        public List<double> LeafSecond { get; } = [];
        public List<bool> LeafVotes { get; } = [];

        public int AddLeaf(int sourceId, double first, double second, bool votes)
        {
            Nodes.Add(new FlatNode { Test = NodeTest.Leaf, Slot = LeafFirst.Count, SourceId = sourceId });
            LeafFirst.Add(first);
            LeafSecond.Add(second);
            LeafVotes.Add(votes);
            return Nodes.Count - 1;
        }
    }

    private readonly FlatNode[] _nodes;
    private readonly int[] _roots;
    private readonly double[] _leafFirst;
    private readonly double[] _leafSecond;
    private readonly bool[] _leafVotes;
    private readonly Voting _voting;
    private readonly double[]? _thresholds;
    private readonly PlattCalibration _calibration;
    private readonly string _stageName;
    private readonly LeafSets? _leafSets;
    /// <summary><see cref="_leafFirst"/> per leaf-set bit (<see cref="LeafSets.BitOf"/>), so that a sum needs no leaf index.</summary>
    private readonly double[]? _firstAtBit;
    /// <summary>Σ over trees of the largest |first payload| of a tree's leaves: no sum of reached leaves has more magnitude.</summary>
    private readonly double _largestMagnitude;

    private TreeEnsembleScorer(string stageName, Voting voting, Flattened trees, double[]? thresholds, PlattCalibration calibration)
    {
        _stageName = stageName;
        _voting = voting;
        _nodes = trees.Nodes.ToArray();
        _roots = trees.Roots.ToArray();
        _leafFirst = trees.LeafFirst.ToArray();
        _leafSecond = trees.LeafSecond.ToArray();
        _leafVotes = trees.LeafVotes.ToArray();
        _thresholds = thresholds;
        _calibration = calibration;
        TreeCount = _roots.Length;
        _leafSets = LeafSets.TryBuild(_nodes, _roots);
        _firstAtBit = _leafSets?.PerBit(_leafFirst);
        if (voting == Voting.CalibratedSum)
            _largestMagnitude = _roots.Select(root => LeavesUnder(root).Max(leaf => Math.Abs(_leafFirst[leaf]))).Sum();
    }

    /// <summary>The payload indices of the leaves under the node at <paramref name="index"/>.</summary>
    private IEnumerable<int> LeavesUnder(int index) =>
        _nodes[index].Test == NodeTest.Leaf ? [_nodes[index].Slot] : LeavesUnder(_nodes[index].Left).Concat(LeavesUnder(_nodes[index].Right));

    public static TreeEnsembleScorer FromSpark(TreeClassifierStage stage, FeatureLayout layout)
    {
        var stageName = stage.ToString();
        var voting = stage switch
        {
            GbtClassifierStage => Voting.GradientBoosted,
            RandomForestClassifierStage => Voting.RandomForest,
            _ => Voting.SingleTree,
        };
        if (stage.NumClasses != 2)
            throw new ModelFileException($"{stageName}: only binary classifiers can score top-ups (numClasses={stage.NumClasses})");
        if (stage.Trees.Count == 0)
            throw new ModelFileException($"{stageName}: the model has no trees");
        if (voting == Voting.SingleTree && stage.Trees.Count != 1)
            throw new ModelFileException($"{stageName}: a decision tree model must hold exactly one tree, found {stage.Trees.Count}");
        double[]? thresholds = null;
        if (stage.Thresholds is { } saved)
        {
            if (saved.Count != 2)
                throw new ModelFileException($"{stageName}: thresholds must have 2 values for a binary classifier, found {saved.Count}");
            thresholds = saved.ToArray();
        }

        var flattened = new Flattened();
        for (var t = 0; t < stage.Trees.Count; t++)
        {
            var tree = stage.Trees[t];
            var treeName = $"{stageName} tree {t}";
            ValidateTree(tree, treeName);
            var baseIndex = flattened.Nodes.Count;
            flattened.Roots.Add(baseIndex);
            foreach (var node in tree.Nodes)
            {
                if (node.IsLeaf)
                {
                    var (first, second, votes) = LeafPayload(voting, node, tree.Weight, treeName);
                    flattened.AddLeaf(node.Id, first, second, votes);
                }
                else
                {
                    flattened.Nodes.Add(CompileSplit(node, layout, baseIndex, treeName));
                }
            }
        }
        return new TreeEnsembleScorer(stageName, voting, flattened, thresholds, default);
    }

    public int TreeCount { get; }

    public RawScore Score(ReadOnlySpan<double> scalarFeatures, ReadOnlySpan<int> oneHotStates, Span<int> leafIds)
    {
        switch (_voting)
        {
            case Voting.GradientBoosted:
            {
                // margin = Σ treeWeight·leafPrediction in tree order (BLAS ddot, summed left to right).
                var margin = LeafSum(scalarFeatures, oneHotStates, leafIds);
                // rawPrediction = [−margin, margin]; probability(0) = LogLoss.computeProbability(raw(0)).
                var raw0 = -margin;
                var probability0 = 1.0 / (1.0 + Math.Exp(-2.0 * raw0));
                return Finish(raw0, margin, probability0, 1.0 - probability0);
            }
            case Voting.CalibratedSum:
            {
                // TreeEnsembleModelParameters.Map: the double sum of the trees' outputs, in tree order, as a float.
                var score = (float)LeafSum(scalarFeatures, oneHotStates, leafIds);
                var probability = _calibration.Probability(score);
                // ML.NET's own PredictedLabel (score > 0); a model's decision threshold is applied by its owner.
                return new RawScore(-score, score, 1.0 - probability, probability, score > 0 ? 1 : 0);
            }
        }

        Span<int> leaves = _roots.Length <= MaxStackTrees ? stackalloc int[_roots.Length] : new int[_roots.Length];
        if (_leafSets is null || !leafIds.IsEmpty)
        {
            for (var t = 0; t < _roots.Length; t++) leaves[t] = Walk(t, scalarFeatures, oneHotStates, leafIds);
        }
        else
        {
            Span<uint> words = stackalloc uint[_leafSets.Width];
            _leafSets.FindLeafSets(scalarFeatures, oneHotStates, words);
            for (var t = 0; t < _roots.Length; t++) leaves[t] = _leafSets.LeafAt(t, words[t]);
        }
        if (_voting == Voting.SingleTree) return Normalized(_leafFirst[leaves[0]], _leafSecond[leaves[0]]);
        double votes0 = 0, votes1 = 0;
        foreach (var leaf in leaves)
        {
            if (!_leafVotes[leaf]) continue;
            votes0 += _leafFirst[leaf];
            votes1 += _leafSecond[leaf];
        }
        return Normalized(votes0, votes1);
    }

    /// <summary>
    /// The sum of the first payloads of the leaves reached, in tree order; for ML.NET (which keeps only a float
    /// of it) possibly in another order, but then always with the same float.
    /// </summary>
    private double LeafSum(ReadOnlySpan<double> scalarFeatures, ReadOnlySpan<int> oneHotStates, Span<int> leafIds)
    {
        if (_leafSets is null || !leafIds.IsEmpty)
        {
            var walked = 0.0;
            for (var t = 0; t < _roots.Length; t++) walked += _leafFirst[Walk(t, scalarFeatures, oneHotStates, leafIds)];
            return walked;
        }
        Span<uint> words = stackalloc uint[_leafSets.Width];
        _leafSets.FindLeafSets(scalarFeatures, oneHotStates, words);
        return _voting == Voting.CalibratedSum ? SumForFloat(words) : SumInTreeOrder(words);
    }

    private double SumInTreeOrder(ReadOnlySpan<uint> words)
    {
        ref var values = ref MemoryMarshal.GetArrayDataReference(_firstAtBit!);
        var sum = 0.0;
        for (var t = 0; t < _roots.Length; t++) sum += Unsafe.Add(ref values, LeafSets.BitOf(t, words[t]));
        return sum;
    }

    /// <summary>
    /// A sum whose float is the float of the tree-order sum. A tree-order sum is a chain of dependent additions;
    /// four independent chains run about four times faster. Any order of n additions lies within
    /// (n − 1)·u/(1 − (n − 1)·u) · Σ|v| of the exact sum (u = 2⁻⁵³), so the two sums lie within 4·n·u·Σ|v| of each
    /// other, computed roundings included (Σ|v| is bounded by the trees' largest leaves); when both ends of that
    /// interval round to the same float, so does the tree-order sum (rounding is monotone), otherwise it is computed
    /// after all — rarely: the interval is some 10⁻¹³ wide, a float step near 1 is 10⁻⁷.
    /// </summary>
    private double SumForFloat(ReadOnlySpan<uint> words)
    {
        const double unitRoundoff = 1.0 / (1L << 53);
        const int bitsPerTree = LeafSets.MaxLeavesPerTree;
        // Each tree's 32 payloads in a row, reached through a reference that moves on a tree at a time: the loop
        // needs no index arithmetic or bounds checks (a lowest bit is always below 32, a tree below Width).
        ref var tree = ref MemoryMarshal.GetArrayDataReference(_firstAtBit!);
        ref var word = ref MemoryMarshal.GetReference(words);
        double sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
        var trees = _roots.Length;
        var t = 0;
        for (; t + 4 <= trees; t += 4)
        {
            sum0 += Unsafe.Add(ref tree, BitOperations.TrailingZeroCount(Unsafe.Add(ref word, t)));
            sum1 += Unsafe.Add(ref tree, bitsPerTree + BitOperations.TrailingZeroCount(Unsafe.Add(ref word, t + 1)));
            sum2 += Unsafe.Add(ref tree, 2 * bitsPerTree + BitOperations.TrailingZeroCount(Unsafe.Add(ref word, t + 2)));
            sum3 += Unsafe.Add(ref tree, 3 * bitsPerTree + BitOperations.TrailingZeroCount(Unsafe.Add(ref word, t + 3)));
            tree = ref Unsafe.Add(ref tree, 4 * bitsPerTree);
        }
        for (; t < trees; t++)
        {
            sum0 += Unsafe.Add(ref tree, BitOperations.TrailingZeroCount(Unsafe.Add(ref word, t)));
            tree = ref Unsafe.Add(ref tree, bitsPerTree);
        }
        var sum = (sum0 + sum1) + (sum2 + sum3);
        var margin = 4.0 * trees * unitRoundoff * _largestMagnitude;
        return (float)(sum - margin) == (float)(sum + margin) ? sum : SumInTreeOrder(words);
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
                    if (!leafIds.IsEmpty) leafIds[tree] = node.SourceId;
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

    private static FlatNode CompileSplit(SparkTreeNode node, FeatureLayout layout, int baseIndex, string treeName)
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

        return SplitOn(layout, split.FeatureIndex, new FlatNode
        {
            Test = split.IsCategorical ? NodeTest.Categorical : NodeTest.Continuous,
            Left = baseIndex + node.LeftChild,
            Right = baseIndex + node.RightChild,
            SourceId = node.Id,
            Categories = categories,
            CategoriesAreLeft = categoriesAreLeft,
            Threshold = split.IsCategorical ? double.NaN : split.LeftCategoriesOrThreshold[0],
        });
    }

    /// <summary>
    /// Points a continuous or categorical test at feature <paramref name="feature"/>: at its scalar feature, or, for a
    /// position of a one-hot column, at the column with the test's outcome for cold, hot and null worked out now.
    /// </summary>
    private static FlatNode SplitOn(FeatureLayout layout, int feature, FlatNode split)
    {
        var source = layout.Source(feature);
        split.Slot = source.Slot;
        if (!source.IsOneHot) return split;
        var outcomes = 0;
        if (GoesLeft(split, layout.ColdValue(feature))) outcomes |= 1;
        if (GoesLeft(split, layout.HotValue(feature))) outcomes |= 2;
        if (GoesLeft(split, layout.NullValue(feature))) outcomes |= 4;
        split.Test = NodeTest.OneHot;
        split.Position = source.Position;
        split.OneHotOutcomes = (byte)outcomes;
        return split;
    }

    private static bool GoesLeft(in FlatNode split, double value) =>
        split.Test == NodeTest.Categorical
            ? CategoricalGoesLeft(value, split.Categories!, split.CategoriesAreLeft)
            : value <= split.Threshold;

    private static (double First, double Second, bool Votes) LeafPayload(Voting voting, SparkTreeNode leaf, double weight, string treeName)
    {
        switch (voting)
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
                if (voting == Voting.SingleTree) return (stats[0], stats[1], true);
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
