namespace TopUpSpark.Models.Training;

/// <summary>One bin of a calibration table: predictions in [Low, High), their mean and the observed positive rate.</summary>
public sealed record CalibrationBin(double Low, double High, int Count, double MeanPredicted, double ObservedRate);

/// <summary>Precision, recall and F1 of "probability ≥ threshold".</summary>
public sealed record ThresholdMetrics(double Threshold, double Precision, double Recall, double F1, long TruePositives, long FalsePositives, long FalseNegatives);

/// <summary>Binary classification metrics computed from (probability, label) pairs.</summary>
public static class BinaryMetrics
{
    /// <summary>Area under the ROC curve (Mann-Whitney, ties counted half). NaN when a class is missing.</summary>
    public static double Auc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        long positives = labels.LongCount(l => l);
        long negatives = labels.Count - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        double positiveRankSum = 0;
        var i = 0;
        while (i < order.Length)
        {
            var j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]]) j++;
            var averageRank = (i + j) / 2.0 + 1;
            for (var k = i; k <= j; k++)
                if (labels[order[k]]) positiveRankSum += averageRank;
            i = j + 1;
        }
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    public static ThresholdMetrics AtThreshold(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, double threshold)
    {
        long tp = 0, fp = 0, fn = 0;
        for (var i = 0; i < scores.Count; i++)
        {
            var predicted = scores[i] >= threshold;
            if (predicted && labels[i]) tp++;
            else if (predicted) fp++;
            else if (labels[i]) fn++;
        }
        var precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp);
        var recall = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new ThresholdMetrics(threshold, precision, recall, f1, tp, fp, fn);
    }

    /// <summary>The threshold (one of the observed scores) with the highest F1; ties go to the higher threshold.</summary>
    public static ThresholdMetrics BestF1(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        long positives = labels.LongCount(l => l);
        long tp = 0, fp = 0;
        var best = AtThreshold(scores, labels, double.PositiveInfinity);
        var i = 0;
        while (i < order.Length)
        {
            var threshold = scores[order[i]];
            while (i < order.Length && scores[order[i]] == threshold)
            {
                if (labels[order[i]]) tp++; else fp++;
                i++;
            }
            var precision = (double)tp / (tp + fp);
            var recall = positives == 0 ? 0 : (double)tp / positives;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            if (f1 > best.F1) best = new ThresholdMetrics(threshold, precision, recall, f1, tp, fp, positives - tp);
        }
        return best;
    }

    public static double LogLoss(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        const double epsilon = 1e-15;
        var sum = 0.0;
        for (var i = 0; i < scores.Count; i++)
        {
            var p = Math.Clamp(scores[i], epsilon, 1 - epsilon);
            sum -= labels[i] ? Math.Log(p) : Math.Log(1 - p);
        }
        return sum / scores.Count;
    }

    public static double Brier(IReadOnlyList<double> scores, IReadOnlyList<bool> labels) =>
        scores.Select((p, i) => (p - (labels[i] ? 1.0 : 0.0)) * (p - (labels[i] ? 1.0 : 0.0))).Average();

    public static List<CalibrationBin> Calibration(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, int bins = 10)
    {
        var result = new List<CalibrationBin>();
        for (var b = 0; b < bins; b++)
        {
            var low = (double)b / bins;
            var high = (double)(b + 1) / bins;
            var members = Enumerable.Range(0, scores.Count)
                .Where(i => scores[i] >= low && (scores[i] < high || (b == bins - 1 && scores[i] <= high)))
                .ToList();
            result.Add(new CalibrationBin(low, high, members.Count,
                members.Count == 0 ? double.NaN : members.Average(i => scores[i]),
                members.Count == 0 ? double.NaN : members.Average(i => labels[i] ? 1.0 : 0.0)));
        }
        return result;
    }
}
