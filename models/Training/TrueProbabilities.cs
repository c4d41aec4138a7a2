using System.Globalization;

namespace TopUpSpark.Models.Training;

/// <summary>
/// The data generator's <c>true-probability.csv</c> (ID, probability, Top-up): the probability each
/// customer really had. Its AUC against the drawn labels is the Bayes AUC, the best any model can reach.
/// </summary>
public static class TrueProbabilities
{
    public static Dictionary<string, double> Read(string path)
    {
        using var csv = CsvFile.Open(path);
        var ordinals = csv.RequireColumns(["ID", "probability"]);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        while (csv.Read(out var wellFormed) is { } record)
        {
            if (!wellFormed) continue;
            if (double.TryParse(record[ordinals[1]], NumberStyles.Float, CultureInfo.InvariantCulture, out var probability))
                result[record[ordinals[0]]] = probability;
        }
        return result;
    }
}
