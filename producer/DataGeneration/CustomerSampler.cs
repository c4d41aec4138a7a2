using System.Globalization;
using TopUpSpark.Core.Schema;

namespace TopUpSpark.Producer.DataGeneration;

/// <summary>One customer as written: its customer row, its bureau rows, and what the model sees of it.</summary>
internal sealed record GeneratedCustomer(string[] Customer, IReadOnlyList<string[]> Bureau, ModelInputs Inputs);

/// <summary>
/// Draws customers and their bureau tradelines. Customer <c>i</c> is drawn from its own random stream
/// (seed, i), so it can be drawn twice — once to calibrate the label's intercept, once to write it — and
/// always comes out the same. Values are formatted the way the original files write them.
/// </summary>
internal sealed class CustomerSampler
{
    /// <summary>The day the bureau data were pulled: loans and tradelines are dated before it.</summary>
    private static readonly DateTime Snapshot = new(2019, 1, 31, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime FirstDisbursal = new(2011, 4, 1, 0, 0, 0, DateTimeKind.Utc);
    private const ulong CustomerStream = 0x43555354UL;
    private const int MaxBureauRows = 60;
    private const int MaxHistoryMonths = 12;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private sealed record BranchPlacement(string Id, string Area);

    private sealed record StatePlan(string Name, WeightedChoice<BranchPlacement> Branches, WeightedChoice<string> Cities);

    private sealed record InstalmentFrequency(string Name, int PerYear);

    private sealed record AccountType(string Name, double MedianAmount, int TypicalMonths, bool Revolving);

    private sealed record Repayment(string Suffix, string FrequencyCode, int MonthsPerInstalment);

    private static readonly WeightedChoice<InstalmentFrequency> Frequencies = WeightedChoice<InstalmentFrequency>.Of(
        (new("Monthly", 12), 78), (new("Quatrly", 4), 13), (new("Half Yearly", 2), 7), (new("BI-Monthly", 6), 2));

    private static readonly WeightedChoice<string> InstalmentModes = WeightedChoice<string>.Of(("Arrear", 76), ("Advance", 24));

    private static readonly WeightedChoice<string> PaymentModes = WeightedChoice<string>.Of(
        ("PDC", 36), ("Direct Debit", 25), ("ECS", 12), ("Billed", 8), ("PDC Reject", 5), ("SI Reject", 4),
        ("Auto Debit", 4), ("ECS Reject", 3), ("Escrow", 2), ("PDC_E", 1));

    private static readonly WeightedChoice<string> Sexes = WeightedChoice<string>.Of(("M", 86), ("F", 12), ("", 2));

    /// <summary>The lender's main product: the loans of customer.csv are tractor loans (asset costs of about 5 lakh).</summary>
    private static readonly AccountType TractorLoan = new("Tractor Loan", 450_000, 48, false);

    private static readonly WeightedChoice<AccountType> AccountTypes = WeightedChoice<AccountType>.Of(
        (TractorLoan, 18),
        (new("Gold Loan", 60_000, 12, false), 16),
        (new("Kisan Credit Card", 150_000, 0, true), 8),
        (new("Personal Loan", 100_000, 24, false), 7),
        (new("Two-Wheeler Loan", 55_000, 24, false), 6),
        (new("Business Loan Priority Sector  Agriculture", 200_000, 36, false), 6),
        (new("Auto Loan (Personal)", 500_000, 48, false), 5),
        (new("Consumer Loan", 30_000, 12, false), 5),
        (new("Other", 50_000, 24, false), 5),
        (new("Credit Card", 50_000, 0, true), 4),
        (new("Commercial Vehicle Loan", 800_000, 48, false), 3),
        (new("Microfinance Business Loan", 30_000, 24, false), 3),
        (new("Housing Loan", 1_500_000, 180, false), 2),
        (new("Business Loan General", 300_000, 36, false), 2),
        (new("Overdraft", 100_000, 0, true), 1),
        (new("Property Loan", 1_000_000, 120, false), 1),
        (new("Loan Against Bank Deposits", 80_000, 12, false), 1),
        (new("Used Car Loan", 300_000, 48, false), 1),
        (new("Business Loan Priority Sector  Others", 250_000, 36, false), 1),
        (new("Education Loan", 400_000, 84, false), 0.5));

    /// <summary>The lender's own other products (SELF-INDICATOR TRUE rows besides the loan in customer.csv).</summary>
    private static readonly WeightedChoice<AccountType> OwnProducts = WeightedChoice<AccountType>.Of(
        (TractorLoan, 55),
        (new("Two-Wheeler Loan", 55_000, 24, false), 25),
        (new("Consumer Loan", 30_000, 12, false), 12),
        (new("Business Loan Priority Sector  Agriculture", 200_000, 36, false), 8));

    private static readonly WeightedChoice<string> Contributors = WeightedChoice<string>.Of(
        ("NBF", 35), ("PRB", 30), ("NAB", 10), ("COP", 7), ("RRB", 6), ("FRB", 5), ("SFB", 3), ("HFC", 2), ("MFI", 2));

    private static readonly WeightedChoice<string> Ownerships = WeightedChoice<string>.Of(
        ("Individual", 90), ("Joint", 5), ("Guarantor", 4), ("Supl Card Holder", 1));

    private static readonly WeightedChoice<string> ActiveTroubles = WeightedChoice<string>.Of(
        ("Delinquent", 60), ("Restructured", 20), ("Suit Filed", 20));

    private static readonly WeightedChoice<string> ClosedTroubles = WeightedChoice<string>.Of(
        ("Settled", 50), ("Written Off", 35), ("Sold/Purchased", 15));

    private static readonly WeightedChoice<string> AssetClasses = WeightedChoice<string>.Of(
        ("Standard", 86), ("", 7), ("Special Mention Account", 2), ("Sub-Standard", 2), ("Doubtful", 2), ("Loss", 1));

    private static readonly WeightedChoice<Repayment> Repayments = WeightedChoice<Repayment>.Of(
        (new("Monthly", "F03", 1), 80), (new("Quarterly", "F04", 3), 8), (new("Unknown", "", 1), 6), (new("", "", 1), 6));

    private readonly long _seed;
    private readonly CustomerColumns _c;
    private readonly BureauColumns _b;
    private readonly WeightedChoice<StatePlan> _states;
    private readonly WeightedChoice<string> _tenures;
    private readonly WeightedChoice<string> _manufacturers;
    private readonly Dictionary<string, int> _cityPinCodes;

    public CustomerSampler(Vocabulary vocabulary, TopUpSchema schema, long seed)
    {
        _seed = seed;
        _c = new CustomerColumns(schema.Customer);
        _b = new BureauColumns(schema.Bureau);
        _states = new WeightedChoice<StatePlan>(vocabulary.States.Select(s => (PlanState(vocabulary, s), s.Weight)));
        _tenures = new WeightedChoice<string>(vocabulary.Tenures.Select(t => (t.Value, t.Weight)));
        _manufacturers = new WeightedChoice<string>(vocabulary.Manufacturers.Select(m => (m.Value, m.Weight)));
        _cityPinCodes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var state in vocabulary.States)
        foreach (var city in state.Cities)
        {
            var pin = SeededRandom.ForName(city.Name + "/" + state.Name, 0x50494EUL);
            var prefix = int.Parse(state.PinPrefixes[pin.NextInt(state.PinPrefixes.Count)], Invariant);
            _cityPinCodes[CityKey(state.Name, city.Name)] = prefix * 10_000 + pin.NextInt(1, 9_900);
        }
    }

    public IReadOnlyList<string> CustomerHeaders => _c.Headers;
    public IReadOnlyList<string> BureauHeaders => _b.Headers;
    public int IdOrdinal => _c.Id;
    public int TopUpMonthOrdinal => _c.TopUpMonth;

    private static StatePlan PlanState(Vocabulary vocabulary, Vocabulary.StateEntry state)
    {
        var branchStates = state.ServedByBranchesOf is { Count: > 0 } servedBy ? servedBy : [state.Name];
        var branches = vocabulary.Areas
            .Where(a => branchStates.Contains(a.State))
            .SelectMany(a => a.Branches.Select(b => (new BranchPlacement(b.Id, a.Name), b.Weight)));
        return new StatePlan(state.Name, new WeightedChoice<BranchPlacement>(branches),
            new WeightedChoice<string>(state.Cities.Select(c => (c.Name, c.Weight))));
    }

    private static string CityKey(string state, string city) => state + "/" + city;

    /// <summary>Customer number <paramref name="index"/> (ID = index + 1); its Top-up Month is left empty for the labeller.</summary>
    public GeneratedCustomer Draw(int index)
    {
        var r = SeededRandom.For(_seed, CustomerStream, index);
        var row = new string[_c.Count];
        row[_c.Id] = (index + 1).ToString(Invariant);

        var state = _states.Pick(r);
        var branch = state.Branches.Pick(r);
        var city = state.Cities.Pick(r);
        var tenure = _tenures.Pick(r);
        var tenureMonths = int.Parse(tenure, Invariant);
        var manufacturer = _manufacturers.Pick(r);
        // Wealth drives amounts and income; appetite (partly wealth) drives how much credit a customer holds.
        var wealth = r.NextGaussian();
        var appetite = 0.3 * wealth + 0.954 * r.NextGaussian();

        var frequency = Frequencies.Pick(r);
        row[_c.Frequency] = frequency.Name;
        row[_c.InstallmentMode] = InstalmentModes.Pick(r);
        row[_c.PaymentMode] = PaymentModes.Pick(r);
        row[_c.BranchId] = branch.Id;
        row[_c.Area] = branch.Area;
        row[_c.Tenure] = tenure;
        row[_c.ManufacturerId] = manufacturer;
        row[_c.City] = city;
        row[_c.State] = state.Name;

        var annualIncome = Math.Max(60_000, Math.Round(288_000 * Math.Exp(0.55 * wealth + 0.2 * r.NextGaussian()) / 1000) * 1000);
        var monthlyIncome = Math.Round(annualIncome / 12, 2);
        var assetCost = (long)Math.Round(520_000 * Math.Exp(0.22 * wealth + 0.18 * r.NextGaussian()) / 100) * 100;
        var loanToValue = Math.Clamp(0.62 + 0.10 * r.NextGaussian(), 0.30, 0.95);
        var amountFinance = (long)Math.Round(assetCost * loanToValue / 100) * 100;
        var disbursal = r.Chance(0.25) ? amountFinance - (long)Math.Round(amountFinance * r.Uniform(0.005, 0.03)) : amountFinance;
        var instalments = Math.Max(1, (int)Math.Round(tenureMonths * frequency.PerYear / 12.0));
        var ratePerInstalment = r.Uniform(0.11, 0.19) / frequency.PerYear;
        var emi = (long)Math.Round(amountFinance * ratePerInstalment / (1 - Math.Pow(1 + ratePerInstalment, -instalments)));
        row[_c.AssetCost] = assetCost.ToString(Invariant);
        row[_c.AmountFinance] = amountFinance.ToString(Invariant);
        row[_c.DisbursalAmount] = disbursal.ToString(Invariant);
        row[_c.Emi] = emi.ToString(Invariant);
        row[_c.Ltv] = Math.Round(100.0 * amountFinance / assetCost, 2).ToString("0.##", Invariant);
        row[_c.MonthlyIncome] = monthlyIncome.ToString("0.##", Invariant);

        // Recent loans are more common: the square root skews disbursal dates towards the snapshot.
        var span = (Snapshot.AddDays(-60) - FirstDisbursal).TotalDays;
        var disbursalDate = FirstDisbursal.AddDays(Math.Floor(span * Math.Sqrt(r.NextDouble())));
        var maturityDate = disbursalDate.AddMonths(tenureMonths);
        var loanStatus = maturityDate <= Snapshot || r.Chance(0.30) ? "Closed" : "Active";
        row[_c.DisbursalDate] = disbursalDate.ToString(_c.DisbursalDateFormat, Invariant);
        row[_c.MaturityDate] = maturityDate.ToString(_c.MaturityDateFormat, Invariant);
        row[_c.AuthDate] = disbursalDate.AddDays(-r.NextInt(0, 6)).ToString(_c.AuthDateFormat, Invariant);
        row[_c.LoanStatus] = loanStatus;

        row[_c.AssetId] = r.NextInt(1, 999_999).ToString(Invariant);
        row[_c.SupplierId] = r.NextInt(10_000, 32_000).ToString(Invariant);
        row[_c.Sex] = Sexes.Pick(r);
        row[_c.Age] = r.Chance(0.01) ? "" : Math.Clamp((int)Math.Round(41 + 10.5 * r.NextGaussian()), 21, 72).ToString(Invariant);
        row[_c.ZipCode] = r.Chance(0.015) ? "" : (_cityPinCodes[CityKey(state.Name, city)] + r.NextInt(0, 40)).ToString(Invariant);
        row[_c.TopUpMonth] = "";

        var ownLoan = new Tradeline(TractorLoan, disbursalDate, tenureMonths, amountFinance, loanStatus == "Active");
        var bureau = new BureauTotals();
        var rowCount = r.NextPoisson(r.NextGamma(3, 1.39) * Math.Exp(0.3 * appetite), MaxBureauRows);
        var bureauRows = new List<string[]>(rowCount);
        for (var j = 0; j < rowCount; j++)
        {
            // Most customers' first tradeline is the loan of customer.csv, as the bureau reports it.
            var reportsOwnLoan = j == 0 && r.Chance(0.7);
            bureauRows.Add(DrawTradeline(r, row[_c.Id], reportsOwnLoan ? ownLoan : null, wealth, appetite, bureau));
        }

        var inputs = new ModelInputs(assetCost, disbursal, emi, monthlyIncome, bureau.SelfIndicators, bureau.AccountTypes.Count,
            bureau.DisbursedAmounts, bureau.CurrentBalances, loanStatus, branch.Id, branch.Area, tenure, manufacturer, city, state.Name);
        return new GeneratedCustomer(row, bureauRows, inputs);
    }

    private sealed record Tradeline(AccountType Type, DateTime Disbursed, int Months, long Amount, bool Active);

    private sealed class BureauTotals
    {
        public int SelfIndicators;
        public readonly HashSet<string> AccountTypes = new(StringComparer.Ordinal);
        public double DisbursedAmounts;
        public double CurrentBalances;
    }

    private string[] DrawTradeline(SeededRandom r, string id, Tradeline? ownLoan, double wealth, double appetite, BureauTotals totals)
    {
        var row = new string[_b.Count];
        row[_b.Id] = id;
        var self = ownLoan is not null || r.Chance(0.12);
        var line = ownLoan ?? NewTradeline(r, self ? OwnProducts.Pick(r) : AccountTypes.Pick(r), wealth, appetite);
        var type = line.Type;

        row[_b.SelfIndicator] = self ? "TRUE" : "FALSE";
        row[_b.MatchType] = r.Chance(0.93) ? "PRIMARY" : "SECONDARY";
        row[_b.AccountType] = r.Chance(0.005) ? "" : type.Name;
        row[_b.ContributorType] = self ? "NBF" : Contributors.Pick(r);
        row[_b.OwnershipIndicator] = Ownerships.Pick(r);

        var status = line.Active
            ? (r.Chance(0.94) ? "Active" : ActiveTroubles.Pick(r))
            : (r.Chance(0.95) ? "Closed" : ClosedTroubles.Pick(r));
        row[_b.AccountStatus] = status;
        DateTime? closed = null;
        if (!line.Active)
        {
            var plannedEnd = line.Months > 0 ? line.Disbursed.AddMonths(line.Months) : line.Disbursed.AddDays(r.NextInt(60, 720));
            var earlyEnd = line.Disbursed.AddDays(Math.Max(30, (plannedEnd - line.Disbursed).TotalDays * r.Uniform(0.4, 1.0)));
            closed = Min(r.Chance(0.5) ? plannedEnd : earlyEnd, Snapshot.AddDays(-1));
        }
        var reported = MonthEnd(closed ?? Snapshot.AddMonths(-r.NextInt(0, 1)));
        row[_b.DisbursedDate] = line.Disbursed.ToString(_b.DisbursedDateFormat, Invariant);
        row[_b.CloseDate] = closed?.ToString(_b.CloseDateFormat, Invariant) ?? "";
        row[_b.DateReported] = reported.ToString(_b.DateReportedFormat, Invariant);
        var lastPayment = closed ?? Max(line.Disbursed, reported.AddDays(-r.NextInt(0, 40)));
        row[_b.LastPaymentDate] = r.Chance(0.06) ? "" : lastPayment.ToString(_b.LastPaymentDateFormat, Invariant);

        var monthsOpen = Math.Max(0, (reported.Year - line.Disbursed.Year) * 12 + reported.Month - line.Disbursed.Month);
        long balance = 0;
        if (line.Active)
        {
            var remaining = line.Months > 0 ? 1.0 - (double)monthsOpen / line.Months : r.Uniform(0.2, 1.0);
            balance = (long)Math.Round(line.Amount * Math.Clamp(remaining, 0.02, 1.0) * r.Uniform(0.9, 1.1));
        }
        else if (r.Chance(0.004))
        {
            balance = -r.NextInt(1, 5_000); // credit balances left on closed accounts
        }
        var balanceKnown = !r.Chance(0.01);
        var amountKnown = !r.Chance(0.01);
        row[_b.CurrentBalance] = balanceKnown ? IndianNumbers.Format(balance) : "";
        row[_b.DisbursedAmount] = amountKnown ? IndianNumbers.Format(line.Amount) : "";
        row[_b.CreditLimit] = type.Revolving || r.Chance(0.2) ? IndianNumbers.Format(line.Amount) : "";

        var instalment = line.Months > 0 ? (long)Math.Round(line.Amount * 1.12 / line.Months / 10) * 10 : 0;
        var repayment = type.Revolving ? new Repayment("", "", 1) : Repayments.Pick(r);
        row[_b.InstallmentAmount] = repayment.Suffix switch
        {
            "" => "",
            "Unknown" => "Unknown",
            var suffix => IndianNumbers.Format(instalment * repayment.MonthsPerInstalment) + "/" + suffix,
        };
        row[_b.InstallmentFrequency] = repayment.FrequencyCode;

        long overdue = status is "Delinquent" or "Suit Filed"
            ? (long)Math.Round(line.Amount * r.Uniform(0.02, 0.2))
            : line.Active && r.Chance(0.05) ? r.NextInt(100, 20_000) : 0;
        long writtenOff = status == "Written Off" ? (long)Math.Round(line.Amount * r.Uniform(0.3, 1.0)) : 0;
        row[_b.OverdueAmount] = r.Chance(0.2) ? "" : IndianNumbers.Format(overdue);
        row[_b.WriteOffAmount] = r.Chance(0.4) ? "" : IndianNumbers.Format(writtenOff);
        row[_b.AssetClass] = status is "Delinquent" or "Suit Filed" && r.Chance(0.6) ? "Sub-Standard" : AssetClasses.Pick(r);

        var months = Math.Clamp(monthsOpen + 1, 1, MaxHistoryMonths);
        var reportedHistory = new string[months];
        var dpdHistory = new string[months];
        var balanceHistory = new string[months];
        var overdueHistory = new string[months];
        var paidHistory = new string[months];
        var troubled = overdue > 0;
        for (var m = 0; m < months; m++)
        {
            reportedHistory[m] = MonthEnd(reported.AddMonths(-m)).ToString("yyyyMMdd", Invariant);
            var late = troubled && m < 3 ? 30 * (3 - m) : r.Chance(0.02) ? 30 : 0;
            dpdHistory[m] = late.ToString("000", Invariant);
            balanceHistory[m] = Math.Min(line.Amount, Math.Max(balance, 0) + m * instalment).ToString(Invariant);
            overdueHistory[m] = (troubled && m < 3 ? overdue : 0).ToString(Invariant);
            paidHistory[m] = (late > 0 ? 0 : instalment).ToString(Invariant);
        }
        row[_b.ReportedDateHistory] = string.Join(',', reportedHistory);
        row[_b.DpdHistory] = string.Join(',', dpdHistory);
        row[_b.CurrentBalanceHistory] = string.Join(',', balanceHistory);
        row[_b.OverdueHistory] = r.Chance(0.3) ? "" : string.Join(',', overdueHistory);
        row[_b.PaidHistory] = r.Chance(0.4) ? "" : string.Join(',', paidHistory);
        row[_b.Tenure] = line.Months > 0 && !r.Chance(0.25) ? line.Months.ToString(Invariant) : "";

        if (self) totals.SelfIndicators++;
        if (row[_b.AccountType].Length > 0) totals.AccountTypes.Add(row[_b.AccountType]);
        if (amountKnown) totals.DisbursedAmounts += line.Amount;
        if (balanceKnown) totals.CurrentBalances += balance;
        return row;
    }

    private static Tradeline NewTradeline(SeededRandom r, AccountType type, double wealth, double appetite)
    {
        var disbursed = Snapshot.AddDays(-r.NextInt(30, 8 * 365));
        var months = type.TypicalMonths > 0 ? Math.Max(3, (int)Math.Round(type.TypicalMonths * r.Uniform(0.5, 1.5))) : 0;
        var raw = type.MedianAmount * Math.Exp(0.6 * r.NextGaussian() + 0.3 * wealth);
        var amount = raw >= 100_000 ? (long)Math.Round(raw / 1000) * 1000 : Math.Max(1000, (long)Math.Round(raw / 100) * 100);
        var matured = months > 0 && disbursed.AddMonths(months) <= Snapshot;
        var active = !matured && r.Chance(Math.Clamp(0.55 + 0.1 * appetite, 0.2, 0.9));
        return new Tradeline(type, disbursed, months, amount, active);
    }

    private static DateTime MonthEnd(DateTime day) =>
        new DateTime(day.Year, day.Month, DateTime.DaysInMonth(day.Year, day.Month), 0, 0, 0, DateTimeKind.Utc);

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;
}
