using TopUpSpark.Core.Schema;

namespace TopUpSpark.Producer.DataGeneration;

/// <summary>
/// Where each generated value goes in a row laid out by the schema file, and the date format each date
/// column is written in (the first format the schema declares for it). The schema must name exactly the
/// columns the generator knows how to fill.
/// </summary>
internal abstract class ColumnOrdinals
{
    private readonly DatasetSchema _schema;

    protected ColumnOrdinals(DatasetSchema schema, IReadOnlyCollection<string> generatedColumns)
    {
        _schema = schema;
        var declared = schema.ColumnNames.ToHashSet(StringComparer.Ordinal);
        var unknown = declared.Except(generatedColumns).ToList();
        var missing = generatedColumns.Except(declared).ToList();
        if (unknown.Count > 0 || missing.Count > 0)
            throw new SchemaException(
                $"the data generator cannot write dataset '{schema.Name}' as the schema declares it: " +
                (unknown.Count > 0 ? $"it has no values for column(s) {Quote(unknown)}" : "") +
                (unknown.Count > 0 && missing.Count > 0 ? "; " : "") +
                (missing.Count > 0 ? $"the schema lacks column(s) {Quote(missing)}" : ""));
    }

    public int Count => _schema.Columns.Count;

    public IReadOnlyList<string> Headers => _schema.ColumnNames.ToArray();

    protected int Ordinal(string column) => _schema.Ordinal(column);

    protected string DateFormat(string column) =>
        _schema[column].DateFormats is [var first, ..]
            ? first
            : throw new SchemaException($"column '{column}' of dataset '{_schema.Name}' must be a date column with at least one format");

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
}

internal sealed class CustomerColumns : ColumnOrdinals
{
    private static readonly string[] Generated =
    [
        "ID", "Frequency", "InstlmentMode", "LoanStatus", "PaymentMode", "BranchID", "Area", "Tenure", "AssetCost",
        "AmountFinance", "DisbursalAmount", "EMI", "DisbursalDate", "MaturityDAte", "AuthDate", "AssetID",
        "ManufacturerID", "SupplierID", "LTV", "SEX", "AGE", "MonthlyIncome", "City", "State", "ZiPCODE", "Top-up Month",
    ];

    public CustomerColumns(DatasetSchema schema) : base(schema, Generated)
    {
        Id = Ordinal("ID");
        Frequency = Ordinal("Frequency");
        InstallmentMode = Ordinal("InstlmentMode");
        LoanStatus = Ordinal("LoanStatus");
        PaymentMode = Ordinal("PaymentMode");
        BranchId = Ordinal("BranchID");
        Area = Ordinal("Area");
        Tenure = Ordinal("Tenure");
        AssetCost = Ordinal("AssetCost");
        AmountFinance = Ordinal("AmountFinance");
        DisbursalAmount = Ordinal("DisbursalAmount");
        Emi = Ordinal("EMI");
        DisbursalDate = Ordinal("DisbursalDate");
        MaturityDate = Ordinal("MaturityDAte");
        AuthDate = Ordinal("AuthDate");
        AssetId = Ordinal("AssetID");
        ManufacturerId = Ordinal("ManufacturerID");
        SupplierId = Ordinal("SupplierID");
        Ltv = Ordinal("LTV");
        Sex = Ordinal("SEX");
        Age = Ordinal("AGE");
        MonthlyIncome = Ordinal("MonthlyIncome");
        City = Ordinal("City");
        State = Ordinal("State");
        ZipCode = Ordinal("ZiPCODE");
        TopUpMonth = Ordinal("Top-up Month");
        DisbursalDateFormat = DateFormat("DisbursalDate");
        MaturityDateFormat = DateFormat("MaturityDAte");
        AuthDateFormat = DateFormat("AuthDate");
    }

    public int Id { get; }
    public int Frequency { get; }
    public int InstallmentMode { get; }
    public int LoanStatus { get; }
    public int PaymentMode { get; }
    public int BranchId { get; }
    public int Area { get; }
    public int Tenure { get; }
    public int AssetCost { get; }
    public int AmountFinance { get; }
    public int DisbursalAmount { get; }
    public int Emi { get; }
    public int DisbursalDate { get; }
    public int MaturityDate { get; }
    public int AuthDate { get; }
    public int AssetId { get; }
    public int ManufacturerId { get; }
    public int SupplierId { get; }
    public int Ltv { get; }
    public int Sex { get; }
    public int Age { get; }
    public int MonthlyIncome { get; }
    public int City { get; }
    public int State { get; }
    public int ZipCode { get; }
    public int TopUpMonth { get; }
    public string DisbursalDateFormat { get; }
    public string MaturityDateFormat { get; }
    public string AuthDateFormat { get; }
}

internal sealed class BureauColumns : ColumnOrdinals
{
    private static readonly string[] Generated =
    [
        "ID", "SELF-INDICATOR", "MATCH-TYPE", "ACCT-TYPE", "CONTRIBUTOR-TYPE", "DATE-REPORTED", "OWNERSHIP-IND",
        "ACCOUNT-STATUS", "DISBURSED-DT", "CLOSE-DT", "LAST-PAYMENT-DATE", "CREDIT-LIMIT/SANC AMT",
        "DISBURSED-AMT/HIGH CREDIT", "INSTALLMENT-AMT", "CURRENT-BAL", "INSTALLMENT-FREQUENCY", "OVERDUE-AMT",
        "WRITE-OFF-AMT", "ASSET_CLASS", "REPORTED DATE - HIST", "DPD - HIST", "CUR BAL - HIST", "AMT OVERDUE - HIST",
        "AMT PAID - HIST", "TENURE",
    ];

    public BureauColumns(DatasetSchema schema) : base(schema, Generated)
    {
        Id = Ordinal("ID");
        SelfIndicator = Ordinal("SELF-INDICATOR");
        MatchType = Ordinal("MATCH-TYPE");
        AccountType = Ordinal("ACCT-TYPE");
        ContributorType = Ordinal("CONTRIBUTOR-TYPE");
        DateReported = Ordinal("DATE-REPORTED");
        OwnershipIndicator = Ordinal("OWNERSHIP-IND");
        AccountStatus = Ordinal("ACCOUNT-STATUS");
        DisbursedDate = Ordinal("DISBURSED-DT");
        CloseDate = Ordinal("CLOSE-DT");
        LastPaymentDate = Ordinal("LAST-PAYMENT-DATE");
        CreditLimit = Ordinal("CREDIT-LIMIT/SANC AMT");
        DisbursedAmount = Ordinal("DISBURSED-AMT/HIGH CREDIT");
        InstallmentAmount = Ordinal("INSTALLMENT-AMT");
        CurrentBalance = Ordinal("CURRENT-BAL");
        InstallmentFrequency = Ordinal("INSTALLMENT-FREQUENCY");
        OverdueAmount = Ordinal("OVERDUE-AMT");
        WriteOffAmount = Ordinal("WRITE-OFF-AMT");
        AssetClass = Ordinal("ASSET_CLASS");
        ReportedDateHistory = Ordinal("REPORTED DATE - HIST");
        DpdHistory = Ordinal("DPD - HIST");
        CurrentBalanceHistory = Ordinal("CUR BAL - HIST");
        OverdueHistory = Ordinal("AMT OVERDUE - HIST");
        PaidHistory = Ordinal("AMT PAID - HIST");
        Tenure = Ordinal("TENURE");
        DateReportedFormat = DateFormat("DATE-REPORTED");
        DisbursedDateFormat = DateFormat("DISBURSED-DT");
        CloseDateFormat = DateFormat("CLOSE-DT");
        LastPaymentDateFormat = DateFormat("LAST-PAYMENT-DATE");
    }

    public int Id { get; }
    public int SelfIndicator { get; }
    public int MatchType { get; }
    public int AccountType { get; }
    public int ContributorType { get; }
    public int DateReported { get; }
    public int OwnershipIndicator { get; }
    public int AccountStatus { get; }
    public int DisbursedDate { get; }
    public int CloseDate { get; }
    public int LastPaymentDate { get; }
    public int CreditLimit { get; }
    public int DisbursedAmount { get; }
    public int InstallmentAmount { get; }
    public int CurrentBalance { get; }
    public int InstallmentFrequency { get; }
    public int OverdueAmount { get; }
    public int WriteOffAmount { get; }
    public int AssetClass { get; }
    public int ReportedDateHistory { get; }
    public int DpdHistory { get; }
    public int CurrentBalanceHistory { get; }
    public int OverdueHistory { get; }
    public int PaidHistory { get; }
    public int Tenure { get; }
    public string DateReportedFormat { get; }
    public string DisbursedDateFormat { get; }
    public string CloseDateFormat { get; }
    public string LastPaymentDateFormat { get; }
}
