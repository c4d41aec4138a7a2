namespace TopUpSpark.Producer.DataGeneration;

/// <summary>
/// What the downstream model sees of one customer, computed from the very values written to the CSVs
/// (bureau totals as the streaming job's <c>_sum</c>/<c>_dist</c> aggregation computes them; empty cells
/// contribute nothing). The true top-up probability is a function of these alone.
/// </summary>
internal readonly record struct ModelInputs(
    double AssetCost,
    double DisbursalAmount,
    double Emi,
    double MonthlyIncome,
    int SelfIndicatorSum,
    int AccountTypeDistinct,
    double DisbursedAmountSum,
    double CurrentBalanceSum,
    string LoanStatus,
    string BranchId,
    string Area,
    string Tenure,
    string ManufacturerId,
    string City,
    string State);
