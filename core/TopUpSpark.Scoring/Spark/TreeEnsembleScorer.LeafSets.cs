using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TopUpSpark.Scoring.Spark;

internal sealed partial class TreeEnsembleScorer
{
    /// <summary>
    /// Finds the leaf every tree reaches without walking the trees (QuickScorer: Lucchese et al., SIGIR 2015).
    /// A tree's leaves, left to right, are the bits of one word. A test that fails sends the row right, which
    /// rules out every leaf of the left subtree; the leaf reached is the lowest bit no failed test clears.
    /// Which tests fail depends on one input each: for a scalar feature, on how many of the thresholds used
    /// on it lie below the value (NaN fails them all); for a one-hot column, on which position is hot. Both
    /// are precomputed as one row of words (one per tree), so a row of data costs one threshold search per
    /// scalar feature, one lookup per one-hot column, and the AND of those rows: a few hundred nanoseconds
    /// for 300 trees of 31 leaves, where walking them node by node takes several microseconds because
    /// every node is a branch the processor cannot predict.
    /// </summary>
    /// <param name="rows">Rows of one word per tree, <paramref name="rowWidth"/> words each.</param>
    /// <param name="leafAtBit">Tree t's leaf at bit b: the leaf's payload index, at [t · 32 + b].</param>
    private sealed class LeafSets(
        int treeCount, int rowWidth, uint[] rows, LeafSets.ScalarFeatureRows[] scalarFeatureRows, LeafSets.OneHotColumnRows[] oneHotColumnRows, int[] leafAtBit)
    {
        private const int MaxLeavesPerTree = 32;

        private static readonly int WordsPerVector = Vector256<uint>.Count;

        /// <param name="Thresholds">The distinct thresholds tested on the feature, ascending (NaN ones left out: those tests always fail).</param>
        /// <param name="RowOffsets">Per count of thresholds below the value: the offset of its row, or −1 when no test fails.</param>
        internal sealed record ScalarFeatureRows(int Feature, double[] Thresholds, int[] RowOffsets);

        /// <param name="PositionRowOffsets">Per hot position: its row's offset (−1: no test fails); positions beyond use <paramref name="ColdRowOffset"/>.</param>
        internal sealed record OneHotColumnRows(int Column, int[] PositionRowOffsets, int ColdRowOffset, int NullRowOffset);

        private readonly record struct ScalarTest(double Threshold, int Tree, uint Mask);

        private readonly record struct OneHotTest(int Position, byte Outcomes, int Tree, uint Mask);

        /// <summary>
        /// The tables for these trees, or null when they cannot be built: a tree with more than 32 leaves, or a
        /// categorical split on a scalar feature (its outcome is not monotone in the value).
        /// </summary>
        public static LeafSets? TryBuild(FlatNode[] nodes, int[] roots)
        {
            if (roots.Length > MaxStackTrees) return null;
            var rowWidth = (roots.Length + WordsPerVector - 1) / WordsPerVector * WordsPerVector;
            var leafAtBit = new int[rowWidth * MaxLeavesPerTree];
            var scalarTests = new Dictionary<int, List<ScalarTest>>();
            var oneHotTests = new Dictionary<int, List<OneHotTest>>();
            for (var tree = 0; tree < roots.Length; tree++)
            {
                var leafCount = 0;
                if (!Visit(roots[tree])) return null;

                // Numbers the leaves of the subtree at index left to right and records each test's mask; false when a tree cannot be tabled.
                bool Visit(int index)
                {
                    ref readonly var node = ref nodes[index];
                    if (node.Test == NodeTest.Leaf)
                    {
                        if (leafCount == MaxLeavesPerTree) return false;
                        leafAtBit[tree * MaxLeavesPerTree + leafCount++] = node.Slot;
                        return true;
                    }
                    if (node.Test == NodeTest.Categorical) return false;
                    var firstLeftLeaf = leafCount;
                    if (!Visit(node.Left)) return false;
                    var leftLeaves = (1UL << leafCount) - (1UL << firstLeftLeaf);
                    var mask = ~(uint)leftLeaves;
                    if (node.Test == NodeTest.Continuous)
                        TestsOf(scalarTests, node.Slot).Add(new ScalarTest(node.Threshold, tree, mask));
                    else
                        TestsOf(oneHotTests, node.Slot).Add(new OneHotTest(node.Position, node.OneHotOutcomes, tree, mask));
                    return Visit(node.Right);
                }
            }

            var rows = new RowBuilder(rowWidth);
            var scalarFeatures = scalarTests.OrderBy(e => e.Key).Select(e => ScalarRows(e.Key, e.Value, rows)).ToArray();
            var oneHotColumns = oneHotTests.OrderBy(e => e.Key).Select(e => OneHotRows(e.Key, e.Value, rows)).ToArray();
            return new LeafSets(roots.Length, rowWidth, rows.ToArray(), scalarFeatures, oneHotColumns, leafAtBit);
        }

        private static List<T> TestsOf<T>(Dictionary<int, List<T>> tests, int key)
        {
            if (!tests.TryGetValue(key, out var list)) tests[key] = list = [];
            return list;
        }

        /// <summary>A row per count of thresholds below the value: the tests on those thresholds fail (value &gt; threshold).</summary>
        private static ScalarFeatureRows ScalarRows(int feature, List<ScalarTest> tests, RowBuilder rows)
        {
            var words = rows.AllLeaves();
            foreach (var test in tests.Where(t => double.IsNaN(t.Threshold))) words[test.Tree] &= test.Mask;
            var ordered = tests.Where(t => !double.IsNaN(t.Threshold)).OrderBy(t => t.Threshold).ToList();
            var thresholds = ordered.Select(t => t.Threshold).Distinct().ToArray();
            var offsets = new int[thresholds.Length + 1];
            var next = 0;
            for (var below = 0; below <= thresholds.Length; below++)
            {
                for (; below > 0 && next < ordered.Count && ordered[next].Threshold == thresholds[below - 1]; next++)
                    words[ordered[next].Tree] &= ordered[next].Mask;
                offsets[below] = rows.Add(words);
            }
            return new ScalarFeatureRows(feature, thresholds, offsets);
        }

        /// <summary>A row for "no position hot", one for a null vector, and one per position some test looks at.</summary>
        private static OneHotColumnRows OneHotRows(int column, List<OneHotTest> tests, RowBuilder rows)
        {
            const int cold = 0, hot = 1, isNull = 2;
            int RowFor(Func<OneHotTest, int> outcomeOf)
            {
                var words = rows.AllLeaves();
                foreach (var test in tests)
                    if (((test.Outcomes >> outcomeOf(test)) & 1) == 0) words[test.Tree] &= test.Mask;
                return rows.Add(words);
            }

            var positions = tests.Select(t => t.Position).Distinct().ToArray();
            var coldRow = RowFor(_ => cold);
            var positionRows = Enumerable.Repeat(coldRow, positions.Max() + 1).ToArray();
            foreach (var position in positions) positionRows[position] = RowFor(t => t.Position == position ? hot : cold);
            return new OneHotColumnRows(column, positionRows, coldRow, RowFor(_ => isNull));
        }

        /// <summary>Writes the payload index of the leaf each tree reaches into <paramref name="leaves"/>.</summary>
        public void FindLeaves(ReadOnlySpan<double> scalarFeatures, ReadOnlySpan<int> oneHotStates, Span<int> leaves)
        {
            Span<int> rowOffsets = stackalloc int[scalarFeatureRows.Length + oneHotColumnRows.Length];
            var rowCount = 0;
            foreach (var feature in scalarFeatureRows)
            {
                var offset = feature.RowOffsets[CountBelow(feature.Thresholds, scalarFeatures[feature.Feature])];
                if (offset >= 0) rowOffsets[rowCount++] = offset;
            }
            foreach (var column in oneHotColumnRows)
            {
                var state = oneHotStates[column.Column];
                var offset = state >= 0
                    ? state < column.PositionRowOffsets.Length ? column.PositionRowOffsets[state] : column.ColdRowOffset
                    : state == FeatureLayout.NullVector ? column.NullRowOffset : column.ColdRowOffset;
                if (offset >= 0) rowOffsets[rowCount++] = offset;
            }

            Span<uint> words = stackalloc uint[rowWidth];
            ref var table = ref MemoryMarshal.GetArrayDataReference(rows);
            ref var output = ref MemoryMarshal.GetReference(words);
            for (var block = 0; block < rowWidth; block += WordsPerVector)
            {
                var possible = Vector256<uint>.AllBitsSet;
                for (var r = 0; r < rowCount; r++) possible &= Vector256.LoadUnsafe(ref table, (nuint)(rowOffsets[r] + block));
                possible.StoreUnsafe(ref output, (nuint)block);
            }
            for (var tree = 0; tree < treeCount; tree++)
                leaves[tree] = leafAtBit[tree * MaxLeavesPerTree + BitOperations.TrailingZeroCount(words[tree])];
        }

        /// <summary>How many thresholds lie below <paramref name="value"/>: the tests on them fail. NaN fails every test.</summary>
        private static int CountBelow(double[] thresholds, double value)
        {
            if (double.IsNaN(value)) return thresholds.Length;
            if (thresholds.Length == 0) return 0;
            // Branch-free lower bound: the comparisons are unpredictable, so a conditional move beats a jump.
            var low = 0;
            var count = thresholds.Length;
            while (count > 1)
            {
                var half = count >> 1;
                low = thresholds[low + half] < value ? low + half : low;
                count -= half;
            }
            return low + (thresholds[low] < value ? 1 : 0);
        }

        /// <summary>Rows of one word per tree (padded to whole vectors), each added once; an all-ones row is not stored.</summary>
        private sealed class RowBuilder(int rowWidth)
        {
            private readonly List<uint> _words = [];

            public uint[] AllLeaves() => Enumerable.Repeat(uint.MaxValue, rowWidth).ToArray();

            /// <returns>The row's offset, or −1 when it rules nothing out.</returns>
            public int Add(uint[] row)
            {
                if (row.All(w => w == uint.MaxValue)) return -1;
                var offset = _words.Count;
                _words.AddRange(row);
                return offset;
            }

            public uint[] ToArray() => _words.ToArray();
        }
    }
}
