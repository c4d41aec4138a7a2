namespace TopUpSpark.Producer.DataGeneration;

/// <summary>What a generator run wrote.</summary>
/// <param name="BayesAuc">AUC of the true probabilities against the drawn labels: the best AUC any model of these data can expect.</param>
public sealed record GenerationSummary(
    string CustomerFile,
    string BureauFile,
    string TrueProbabilityFile,
    int Customers,
    long BureauRows,
    int CustomersWithoutBureauRows,
    int TopUps,
    double MeanTrueProbability,
    double BayesAuc,
    double Intercept,
    IReadOnlyDictionary<string, int> TopUpMonthCounts,
    int States,
    int Branches,
    int Cities,
    TimeSpan Elapsed)
{
    public double BureauRowsPerCustomer => Customers == 0 ? 0 : (double)BureauRows / Customers;
}
