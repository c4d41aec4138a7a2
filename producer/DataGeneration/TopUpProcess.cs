using System.Collections.Concurrent;
using System.Globalization;

namespace TopUpSpark.Producer.DataGeneration;

/// <summary>
/// The generating process of the label (docs/data-generator.md explains it): a logistic model
/// P(top-up) = σ(β₀ + η(x)) whose η uses only what the downstream model is given — the four customer
/// amounts, the four bureau totals and the seven categorical columns — so the Bayes-optimal score is
/// reachable by a model of those features. β₀ is calibrated per dataset so that the mean probability
/// equals the original prior (21,978 top-ups of 128,655). The process is fixed: it does not depend on
/// the dataset seed, so datasets drawn with different seeds (train/test) follow the same law.
/// </summary>
internal static class TopUpProcess
{
    public const double TargetPrior = 21_978.0 / 128_655.0;

    // Salts for the per-category random effects: fixed, so every dataset shares them.
    private const ulong BranchSalt = 0xB7A3C1D2E4F50617UL;
    private const ulong CitySalt = 0xC17E5A2B9D3F4E81UL;

    private static readonly Dictionary<string, double> StateEffects = new(StringComparer.Ordinal)
    {
        ["TELANGANA"] = 0.90,
        ["ANDHRA PRADESH"] = 0.35,
        ["PUNJAB"] = 0.25,
        ["KARNATAKA"] = 0.20,
        ["GUJARAT"] = 0.15,
        ["HARYANA"] = 0.10,
        ["CHATTISGARH"] = 0.05,
        ["RAJASTHAN"] = -0.10,
        ["MADHYA PRADESH"] = -0.15,
        ["MAHARASHTRA"] = -0.20,
        ["ORISSA"] = -0.25,
        ["WEST BENGAL"] = -0.30,
        ["UTTAR PRADESH"] = -0.35,
        ["BIHAR"] = -0.50,
    };

    private static readonly Dictionary<string, double> ManufacturerEffects = new(StringComparer.Ordinal)
    {
        ["1049"] = 0.60,
        ["1186"] = 0.15,
        ["1568"] = -0.30,
    };

    private const double BranchEffectSd = 0.50;
    private const double CityEffectSd = 0.20;

    private static readonly ConcurrentDictionary<string, double> BranchEffects = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, double> CityEffects = new(StringComparer.Ordinal);

    /// <summary>η(x): the log-odds of a top-up, without the intercept.</summary>
    public static double LinearPredictor(in ModelInputs x)
    {
        var tenureMonths = double.TryParse(x.Tenure, NumberStyles.Integer, CultureInfo.InvariantCulture, out var t) ? t : 36;
        var income = Math.Max(x.MonthlyIncome, 1000);
        return 0.60 * Math.Log(1 + Math.Max(x.CurrentBalanceSum, 0) / 100_000)
             + 0.25 * Math.Log(1 + Math.Max(x.DisbursedAmountSum, 0) / 100_000)
             + 0.35 * Math.Min(x.SelfIndicatorSum, 4)
             + 0.20 * Math.Min(x.AccountTypeDistinct, 6)
             + (x.LoanStatus == "Active" ? 0.70 : 0.0)
             + 0.22 * Math.Clamp((tenureMonths - 36) / 12, -2, 3)
             + 0.50 * Math.Log(income / 25_000)
             - 1.00 * Math.Min(x.Emi / income, 2)
             + 1.20 * (x.AssetCost > 0 ? x.DisbursalAmount / x.AssetCost - 0.62 : 0)
             + StateEffects.GetValueOrDefault(x.State)
             + ManufacturerEffects.GetValueOrDefault(x.ManufacturerId)
             + RandomEffect(BranchEffects, x.BranchId, BranchSalt, BranchEffectSd)
             + RandomEffect(CityEffects, x.City, CitySalt, CityEffectSd);
    }

    public static double Probability(double linearPredictor, double intercept) =>
        1.0 / (1.0 + Math.Exp(-(intercept + linearPredictor)));

    /// <summary>The intercept β₀ that makes the mean of σ(β₀ + ηᵢ) equal <paramref name="prior"/> (bisection).</summary>
    public static double CalibrateIntercept(ReadOnlySpan<double> linearPredictors, double prior = TargetPrior)
    {
        double low = -40, high = 40;
        for (var iteration = 0; iteration < 100; iteration++)
        {
            var middle = (low + high) / 2;
            var mean = 0.0;
            foreach (var eta in linearPredictors) mean += Probability(eta, middle);
            mean /= linearPredictors.Length;
            if (mean < prior) low = middle; else high = middle;
        }
        return (low + high) / 2;
    }

    /// <summary>A category's fixed random effect, N(0, sd²), derived from its name alone.</summary>
    private static double RandomEffect(ConcurrentDictionary<string, double> cache, string name, ulong salt, double sd) =>
        cache.GetOrAdd(name, static (key, effect) => effect.Sd * SeededRandom.ForName(key, effect.Salt).NextGaussian(), (Salt: salt, Sd: sd));
}
