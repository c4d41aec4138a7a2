using TopUpSpark.Scoring.Spark;

namespace TopUpSpark.Models.Tests;

/// <summary>
/// A deliberately naive second implementation of Spark's semantics for pipelines shaped like the course model
/// (StringIndexer → OneHotEncoder → VectorAssembler with keep → GBT): it builds the full dense feature vector
/// column by column, as Spark does, and walks every tree node by node from the imported definition. The fast
/// scorer must agree with it bit for bit.
/// </summary>
internal static class DenseSparkReference
{
    public static double[] Features(SparkPipelineDefinition pipeline, IReadOnlyList<string> numericNames, double[] numeric,
        IReadOnlyList<string> categoricalNames, string?[] categorical)
    {
        var columns = new Dictionary<string, double[]>(StringComparer.Ordinal);
        for (var i = 0; i < numericNames.Count; i++) columns[numericNames[i]] = [numeric[i]];
        foreach (var stage in pipeline.Stages)
        {
            switch (stage)
            {
                case StringIndexerStage indexer:
                    for (var k = 0; k < indexer.InputCols.Count; k++)
                    {
                        var label = categorical[categoricalNames.ToList().IndexOf(indexer.InputCols[k])];
                        var labels = indexer.LabelsArray[k].ToList();
                        var index = label is null ? -1 : labels.IndexOf(label);
                        Assert.That(indexer.HandleInvalid, Is.EqualTo("keep"), "the reference covers keep indexers");
                        columns[indexer.OutputCols[k]] = [index >= 0 ? index : labels.Count];
                    }
                    break;
                case OneHotEncoderStage encoder:
                    for (var k = 0; k < encoder.InputCols.Count; k++)
                    {
                        var value = columns[encoder.InputCols[k]][0];
                        var categories = encoder.CategorySizes[k];
                        var keep = encoder.HandleInvalid == "keep";
                        var size = encoder.DropLast ? (keep ? categories : categories - 1) : (keep ? categories + 1 : categories);
                        Assert.That(value >= 0 && value < categories || keep, "the reference only builds valid rows");
                        var position = value >= 0 && value < categories ? value : categories;
                        var vector = new double[size];
                        if (position < size) vector[(int)position] = 1.0;
                        columns[encoder.OutputCols[k]] = vector;
                    }
                    break;
                case VectorAssemblerStage assembler:
                    columns[assembler.OutputCol] = assembler.InputCols.SelectMany(c => columns[c]).ToArray();
                    break;
            }
        }
        var classifier = pipeline.Stages.OfType<TreeClassifierStage>().Single();
        return columns[classifier.FeaturesCol];
    }

    public static double GbtMargin(SparkPipelineDefinition pipeline, double[] features)
    {
        var gbt = pipeline.Stages.OfType<GbtClassifierStage>().Single();
        var margin = 0.0;
        foreach (var tree in gbt.Trees) margin += Leaf(tree, features).Prediction * tree.Weight;
        return margin;
    }

    public static SparkTreeNode Leaf(SparkTree tree, double[] features)
    {
        var node = tree.Nodes[0];
        while (!node.IsLeaf)
        {
            var split = node.Split!;
            var value = features[split.FeatureIndex];
            bool left;
            if (split.IsCategorical)
            {
                var leftSet = split.LeftCategoriesOrThreshold.ToHashSet();
                var storesLeft = leftSet.Count <= split.NumCategories / 2;
                var stored = storesLeft ? leftSet : Enumerable.Range(0, split.NumCategories).Select(c => (double)c).Where(c => !leftSet.Contains(c)).ToHashSet();
                left = storesLeft == stored.Contains(value);
            }
            else
            {
                left = value <= split.LeftCategoriesOrThreshold[0];
            }
            node = tree.Nodes[left ? node.LeftChild : node.RightChild];
        }
        return node;
    }
}
