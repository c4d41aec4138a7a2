using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TopUpSpark.Scoring.Spark;

internal sealed partial class TreeEnsembleScorer
{
    /// <summary>
    /// Finds the leaf every tree reaches without walking the trees (QuickScorer: Lucchese et al., SIGIR 2015).
    /// A tree's leaves, left to right, are the bits of one word. A test that fails sends the row right, which
    /// rules out every leaf of the left subtree; the leaf reached is the lowest bit no failed test clears.
    /// Which tests fail depends on one input each: for a scalar feature, on how many of the thresholds used on
    /// it lie below the value (NaN fails them all); for a one-hot column, on which position is hot. So a row of
    /// data costs one threshold search per scalar feature, one lookup per one-hot column, and ANDing
    /// precomputed words: about half a microsecond for 300 trees of 31 leaves, where walking them node by node
    /// takes several because every node is a branch the processor cannot predict.
    /// <para>
    /// The words kept: ANDing in a row of them (one word per tree) costs about as much as
    /// <see cref="Tables.TestsPerRow"/> single-word updates, and a row for every threshold would take megabytes
    /// for 300 trees and fall out of the processor's cache. So for a scalar feature there is a row wherever the
    /// failing tests since the previous one would cost more to apply one by one, and those tests, per threshold;
    /// for a one-hot position, the tests that fail when it is hot, applied on the column's row for "nothing hot"
    /// — or a row of its own where they are many, or where a test passes only when hot (Spark's categorical
    /// splits).
    /// </para>
    /// </summary>
    private sealed class LeafSets
    {
        /// <summary>A tree's leaves are the bits of one 32-bit word; per-bit tables give each tree this many entries.</summary>
        public const int MaxLeavesPerTree = 32;

        /// <summary>A position whose row is the column's "nothing hot" row plus its own failing tests.</summary>
        private const int ColdRowAndTests = -2;

        private static readonly int WordsPerVector = Vector512<uint>.Count;
        private static readonly int ThresholdsPerVector = Vector512<double>.Count;

        private readonly uint[] _rows;
        private readonly int[] _testTrees;
        private readonly uint[] _testMasks;
        private readonly ScalarFeatureTests[] _scalarFeatures;
        private readonly OneHotColumnTests[] _oneHotColumns;
        /// <summary>Tree t's leaf at bit b: the leaf's payload index, at [t · 32 + b].</summary>
        private readonly int[] _leafAtBit;

        /// <param name="SearchLevels">
        /// The distinct thresholds tested on the feature, ascending (NaN ones left out: those tests always fail), as
        /// the last level of a search tree of whole vectors: each level above holds the last entry of each vector
        /// below, and the top is one vector (see <see cref="CountBelow"/>).
        /// </param>
        /// <param name="Rows">
        /// Per count of thresholds below the value: the offset of the row for a count at most that (−1: no test
        /// fails), whose remaining failing tests run from <paramref name="TestsFrom"/> to <paramref name="TestsTo"/>.
        /// </param>
        private sealed record ScalarFeatureTests(int Feature, double[][] SearchLevels, int[] Rows, int[] TestsFrom, int[] TestsTo);

        /// <param name="PositionRows">Per position: its own row's offset (−1: no test fails), or <see cref="ColdRowAndTests"/>.</param>
        /// <param name="TestStarts">Per position: where its tests that fail when it is hot start (one more entry ends the last).</param>
        private sealed record OneHotColumnTests(int Column, int ColdRow, int NullRow, int[] PositionRows, int[] TestStarts);

        private readonly record struct ScalarTest(double Threshold, int Tree, uint Mask);

        private readonly record struct OneHotTest(int Position, byte Outcomes, int Tree, uint Mask);

        private LeafSets(Tables tables, ScalarFeatureTests[] scalarFeatures, OneHotColumnTests[] oneHotColumns, int[] leafAtBit)
        {
            Width = tables.Width;
            _rows = tables.Rows.ToArray();
            _testTrees = tables.TestTrees.ToArray();
            _testMasks = tables.TestMasks.ToArray();
            _scalarFeatures = scalarFeatures;
            _oneHotColumns = oneHotColumns;
            _leafAtBit = leafAtBit;
        }

        /// <summary>Words a row of data needs: one per tree, padded to whole groups of four vectors.</summary>
        public int Width { get; }

        /// <summary>
        /// The tables for these trees, or null when they cannot be built: a tree with more than 32 leaves, or a
        /// categorical split on a scalar feature (its outcome is not monotone in the value).
        /// </summary>
        public static LeafSets? TryBuild(FlatNode[] nodes, int[] roots)
        {
            if (roots.Length > MaxStackTrees) return null;
            var group = 4 * WordsPerVector;
            var tables = new Tables((roots.Length + group - 1) / group * group);
            var leafAtBit = new int[tables.Width * MaxLeavesPerTree];
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
                    var mask = ~(uint)((1UL << leafCount) - (1UL << firstLeftLeaf));
                    if (node.Test == NodeTest.Continuous)
                        TestsOf(scalarTests, node.Slot).Add(new ScalarTest(node.Threshold, tree, mask));
                    else
                        TestsOf(oneHotTests, node.Slot).Add(new OneHotTest(node.Position, node.OneHotOutcomes, tree, mask));
                    return Visit(node.Right);
                }
            }

            var scalarFeatures = scalarTests.OrderBy(e => e.Key).Select(e => ScalarFeature(e.Key, e.Value, tables)).ToArray();
            var oneHotColumns = oneHotTests.OrderBy(e => e.Key).Select(e => OneHotColumn(e.Key, e.Value, tables)).ToArray();
            return new LeafSets(tables, scalarFeatures, oneHotColumns, leafAtBit);
        }

        private static List<T> TestsOf<T>(Dictionary<int, List<T>> tests, int key)
        {
            if (!tests.TryGetValue(key, out var list)) tests[key] = list = [];
            return list;
        }

        /// <summary>The tests on a scalar feature: they fail when the value is above their threshold.</summary>
        private static ScalarFeatureTests ScalarFeature(int feature, List<ScalarTest> tests, Tables tables)
        {
            var words = tables.AllLeaves();
            foreach (var test in tests.Where(t => double.IsNaN(t.Threshold))) words[test.Tree] &= test.Mask;
            var ordered = tests.Where(t => !double.IsNaN(t.Threshold)).OrderBy(t => t.Threshold).ToList();
            var thresholds = ordered.Select(t => t.Threshold).Distinct().ToArray();
            var (rows, testsFrom, testsTo) = (new int[thresholds.Length + 1], new int[thresholds.Length + 1], new int[thresholds.Length + 1]);
            var row = tables.AddRow(words);
            var from = tables.TestTrees.Count;
            var next = 0;
            for (var below = 0; below <= thresholds.Length; below++)
            {
                if (tables.TestTrees.Count - from > tables.TestsPerRow)
                    (row, from) = (tables.AddRow(words), tables.TestTrees.Count);
                (rows[below], testsFrom[below], testsTo[below]) = (row, from, tables.TestTrees.Count);
                for (; below < thresholds.Length && next < ordered.Count && ordered[next].Threshold == thresholds[below]; next++)
                {
                    words[ordered[next].Tree] &= ordered[next].Mask;
                    tables.AddTest(ordered[next].Tree, ordered[next].Mask);
                }
            }
            return new ScalarFeatureTests(feature, SearchLevels(thresholds), rows, testsFrom, testsTo);
        }

        /// <summary>The levels of <see cref="CountBelow"/>'s search tree over <paramref name="thresholds"/>, top first.</summary>
        private static double[][] SearchLevels(double[] thresholds)
        {
            var levels = new List<double[]> { WholeVectors(thresholds) };
            while (levels[^1].Length > ThresholdsPerVector)
            {
                var below = levels[^1];
                levels.Add(WholeVectors(Enumerable.Range(1, below.Length / ThresholdsPerVector).Select(v => below[v * ThresholdsPerVector - 1]).ToArray()));
            }
            levels.Reverse();
            return levels.ToArray();
        }

        /// <summary>The values padded with +∞ to whole vectors, ending in +∞, so that no search runs past the last vector.</summary>
        private static double[] WholeVectors(double[] values)
        {
            var vectors = values.Length > 0 && double.IsPositiveInfinity(values[^1])
                ? (values.Length + ThresholdsPerVector - 1) / ThresholdsPerVector
                : values.Length / ThresholdsPerVector + 1;
            var padded = Enumerable.Repeat(double.PositiveInfinity, vectors * ThresholdsPerVector).ToArray();
            values.CopyTo(padded, 0);
            return padded;
        }

        /// <summary>The tests on a one-hot column: rows for "nothing hot" and for a null vector, then each position's own.</summary>
        private static OneHotColumnTests OneHotColumn(int column, List<OneHotTest> tests, Tables tables)
        {
            const int cold = 0, hot = 1, isNull = 2;
            static bool Fails(OneHotTest test, int outcome) => ((test.Outcomes >> outcome) & 1) == 0;
            int RowFor(Func<OneHotTest, int> outcomeOf)
            {
                var words = tables.AllLeaves();
                foreach (var test in tests.Where(t => Fails(t, outcomeOf(t)))) words[test.Tree] &= test.Mask;
                return tables.AddRow(words);
            }

            var byPosition = tests.ToLookup(t => t.Position);
            var positionRows = new int[tests.Max(t => t.Position) + 1];
            var testStarts = new int[positionRows.Length + 1];
            for (var position = 0; position < positionRows.Length; position++)
            {
                testStarts[position] = tables.TestTrees.Count;
                if (byPosition[position].Any(t => Fails(t, cold) && !Fails(t, hot)) || byPosition[position].Count(t => Fails(t, hot)) > tables.TestsPerRow)
                {
                    positionRows[position] = RowFor(t => t.Position == position ? hot : cold);
                    continue;
                }
                positionRows[position] = ColdRowAndTests;
                foreach (var test in byPosition[position].Where(t => Fails(t, hot))) tables.AddTest(test.Tree, test.Mask);
            }
            testStarts[^1] = tables.TestTrees.Count;
            return new OneHotColumnTests(column, RowFor(_ => cold), RowFor(_ => isNull), positionRows, testStarts);
        }

        /// <summary>
        /// Fills <paramref name="words"/> (<see cref="Width"/> long) with each tree's possible leaves for this row; the
        /// lowest bit of tree t's word is its leaf (<see cref="BitOf"/>, <see cref="LeafAt"/>).
        /// </summary>
        public void FindLeafSets(ReadOnlySpan<double> scalarFeatures, ReadOnlySpan<int> oneHotStates, Span<uint> words)
        {
            var inputs = _scalarFeatures.Length + _oneHotColumns.Length;
            Span<int> rows = stackalloc int[inputs];
            Span<int> testsFrom = stackalloc int[inputs];
            Span<int> testsTo = stackalloc int[inputs];
            int rowCount = 0, testRuns = 0;
            foreach (var feature in _scalarFeatures)
            {
                var below = CountBelow(feature, scalarFeatures[feature.Feature]);
                if (feature.Rows[below] >= 0) rows[rowCount++] = feature.Rows[below];
                (testsFrom[testRuns], testsTo[testRuns]) = (feature.TestsFrom[below], feature.TestsTo[below]);
                testRuns++;
            }
            foreach (var column in _oneHotColumns)
            {
                var state = oneHotStates[column.Column];
                var row = state == FeatureLayout.NullVector ? column.NullRow
                    : state < 0 || state >= column.PositionRows.Length ? column.ColdRow
                    : column.PositionRows[state];
                if (row == ColdRowAndTests)
                {
                    row = column.ColdRow;
                    (testsFrom[testRuns], testsTo[testRuns]) = (column.TestStarts[state], column.TestStarts[state + 1]);
                    testRuns++;
                }
                if (row >= 0) rows[rowCount++] = row;
            }

            // Whole rows first, four vectors of trees at a time, kept in registers while the rows are ANDed in;
            // single words after, so that no wide load waits on a narrow store. Vector512 runs as two 256-bit
            // halves where the processor has no AVX-512, about as fast as Vector<T> there (measured).
            ref var table = ref MemoryMarshal.GetArrayDataReference(_rows);
            ref var possible = ref MemoryMarshal.GetReference(words);
            for (var w = 0; w < Width; w += 4 * WordsPerVector)
            {
                var (leaves0, leaves1, leaves2, leaves3) = (Vector512<uint>.AllBitsSet, Vector512<uint>.AllBitsSet, Vector512<uint>.AllBitsSet, Vector512<uint>.AllBitsSet);
                foreach (var row in rows[..rowCount])
                {
                    ref var at = ref Unsafe.Add(ref table, row + w);
                    leaves0 &= Vector512.LoadUnsafe(ref at);
                    leaves1 &= Vector512.LoadUnsafe(ref at, (nuint)WordsPerVector);
                    leaves2 &= Vector512.LoadUnsafe(ref at, (nuint)(2 * WordsPerVector));
                    leaves3 &= Vector512.LoadUnsafe(ref at, (nuint)(3 * WordsPerVector));
                }
                leaves0.StoreUnsafe(ref possible, (nuint)w);
                leaves1.StoreUnsafe(ref possible, (nuint)(w + WordsPerVector));
                leaves2.StoreUnsafe(ref possible, (nuint)(w + 2 * WordsPerVector));
                leaves3.StoreUnsafe(ref possible, (nuint)(w + 3 * WordsPerVector));
            }
            // A test's tree is below the tree count, so its word is inside the row.
            ref var testTree = ref MemoryMarshal.GetArrayDataReference(_testTrees);
            ref var testMask = ref MemoryMarshal.GetArrayDataReference(_testMasks);
            for (var run = 0; run < testRuns; run++)
                for (var test = testsFrom[run]; test < testsTo[run]; test++)
                    Unsafe.Add(ref possible, Unsafe.Add(ref testTree, test)) &= Unsafe.Add(ref testMask, test);
        }

        /// <summary>Where tree <paramref name="tree"/>'s leaf is in per-bit tables: [t · 32 + lowest bit of its word].</summary>
        public static int BitOf(int tree, uint word) => tree * MaxLeavesPerTree + BitOperations.TrailingZeroCount(word);

        /// <summary>The payload index of the leaf tree <paramref name="tree"/> reaches.</summary>
        public int LeafAt(int tree, uint word) => _leafAtBit[BitOf(tree, word)];

        /// <summary>A leaf payload per bit, indexed by <see cref="BitOf"/> (a bit beyond a tree's leaves is never its lowest).</summary>
        public double[] PerBit(double[] payloads) => _leafAtBit.Select(leaf => payloads[leaf]).ToArray();

        /// <summary>
        /// How many thresholds lie below <paramref name="value"/>: the tests on them fail. NaN fails every test. A search
        /// tree of whole vectors: at each level, the entries below the value in one vector say which vector to look in
        /// on the next; a few comparisons of whole vectors, where a binary search's unpredictable branches (or its chain
        /// of single loads) cost more.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int CountBelow(ScalarFeatureTests feature, double value)
        {
            if (double.IsNaN(value)) return feature.Rows.Length - 1;
            var x = Vector512.Create(value);
            var below = 0;
            foreach (var level in feature.SearchLevels)
            {
                var vector = Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(level), (nuint)(below * ThresholdsPerVector));
                below = below * ThresholdsPerVector + Vector512.CountWhereAllBitsSet(Vector512.LessThan(vector, x));
            }
            return below;
        }

        /// <summary>The rows (a word per tree, <see cref="Width"/> long) and single tests (tree, mask) while they are built.</summary>
        private sealed class Tables(int width)
        {
            public int Width { get; } = width;

            /// <summary>
            /// Single-word updates that cost about as much as ANDing in a row: one per two vectors of words (10 for 300
            /// trees), as measured on the ML.NET FastTree model; fewer rows mean more updates, more rows fall out of cache.
            /// </summary>
            public int TestsPerRow { get; } = width / (2 * WordsPerVector);

            public List<uint> Rows { get; } = [];
            public List<int> TestTrees { get; } = [];
            public List<uint> TestMasks { get; } = [];

            public uint[] AllLeaves() => Enumerable.Repeat(uint.MaxValue, Width).ToArray();

            /// <returns>The row's offset, or −1 when it rules nothing out (it is then not stored).</returns>
            public int AddRow(uint[] row)
            {
                if (row.All(w => w == uint.MaxValue)) return -1;
                Rows.AddRange(row);
                return Rows.Count - Width;
            }

            public void AddTest(int tree, uint mask)
            {
                TestTrees.Add(tree);
                TestMasks.Add(mask);
            }
        }
    }
}
