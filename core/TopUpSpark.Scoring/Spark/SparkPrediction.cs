namespace TopUpSpark.Scoring.Spark;

/// <summary>The raw prediction vector ([class 0, class 1]), the probabilities and the predicted class of one row.</summary>
public readonly record struct RawScore(double Raw0, double Raw1, double Probability0, double Probability1, int Prediction);

/// <summary>A classifier at the end of a compiled pipeline.</summary>
internal interface IClassifierScorer
{
    /// <param name="leafIds">Receives the Spark node id of the leaf reached in each tree, when not empty.</param>
    RawScore Score(ReadOnlySpan<double> scalarFeatures, ReadOnlySpan<int> oneHotStates, Span<int> leafIds);

    int TreeCount { get; }
}

internal static class SparkPrediction
{
    /// <summary>
    /// ProbabilisticClassificationModel.probability2prediction with thresholds: the class with the largest
    /// probability/threshold wins; the first one on ties; a NaN ratio never wins.
    /// </summary>
    public static int FromProbabilities(double probability0, double probability1, double[] thresholds)
    {
        var best = 0;
        var max = double.NegativeInfinity;
        var scaled0 = probability0 / thresholds[0];
        if (scaled0 > max) { max = scaled0; best = 0; }
        var scaled1 = probability1 / thresholds[1];
        if (scaled1 > max) best = 1;
        return best;
    }
}
