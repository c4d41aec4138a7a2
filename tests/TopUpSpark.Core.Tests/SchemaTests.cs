using NUnit.Framework;
using TopUpSpark.Core.Schema;

namespace TopUpSpark.Core.Tests;

public class SchemaTests
{
    [Test]
    public void The_shipped_schema_declares_the_exact_design_columns()
    {
        var schema = TopUpSchema.Default;
        Assert.That(schema.Customer.ColumnNames, Is.EqualTo(new[]
        {
            "ID", "Frequency", "InstlmentMode", "LoanStatus", "PaymentMode", "BranchID", "Area", "Tenure",
            "AssetCost", "AmountFinance", "DisbursalAmount", "EMI", "DisbursalDate", "MaturityDAte", "AuthDate",
            "AssetID", "ManufacturerID", "SupplierID", "LTV", "SEX", "AGE", "MonthlyIncome", "City", "State",
            "ZiPCODE", "Top-up Month",
        }));
        Assert.That(schema.Bureau.ColumnNames, Is.EqualTo(new[]
        {
            "ID", "SELF-INDICATOR", "MATCH-TYPE", "ACCT-TYPE", "CONTRIBUTOR-TYPE", "DATE-REPORTED", "OWNERSHIP-IND",
            "ACCOUNT-STATUS", "DISBURSED-DT", "CLOSE-DT", "LAST-PAYMENT-DATE", "CREDIT-LIMIT/SANC AMT",
            "DISBURSED-AMT/HIGH CREDIT", "INSTALLMENT-AMT", "CURRENT-BAL", "INSTALLMENT-FREQUENCY", "OVERDUE-AMT",
            "WRITE-OFF-AMT", "ASSET_CLASS", "REPORTED DATE - HIST", "DPD - HIST", "CUR BAL - HIST",
            "AMT OVERDUE - HIST", "AMT PAID - HIST", "TENURE",
        }));
        Assert.That(schema.EventTimeColumn, Is.EqualTo("ts"));
        Assert.That(schema.Bureau["SELF-INDICATOR"].Type, Is.EqualTo(ColumnType.Flag));
        Assert.That(schema.Bureau["SELF-INDICATOR"].Type.IsNumeric(), Is.True);
        Assert.That(schema.Bureau["ACCT-TYPE"].Type.IsNumeric(), Is.False);
        Assert.That(schema.Customer.KeyColumn, Is.EqualTo("ID"));
    }

    [Test]
    public void An_unknown_type_is_rejected_naming_the_column()
    {
        const string json = """
            {"eventTime": {"column": "ts"}, "datasets": {
              "customer": {"key": "ID", "columns": [{"name": "ID", "type": "string"}, {"name": "AGE", "type": "integer"}]},
              "bureau": {"key": "ID", "columns": [{"name": "ID", "type": "string"}]}}}
            """;
        var error = Assert.Throws<SchemaException>(() => TopUpSchema.Parse(json))!;
        Assert.That(error.Message, Does.Contain("AGE").And.Contain("integer"));
    }

    [Test]
    public void A_date_column_without_formats_is_rejected()
    {
        const string json = """
            {"eventTime": {"column": "ts"}, "datasets": {
              "customer": {"key": "ID", "columns": [{"name": "ID", "type": "string"}, {"name": "D", "type": "date"}]},
              "bureau": {"key": "ID", "columns": [{"name": "ID", "type": "string"}]}}}
            """;
        Assert.That(() => TopUpSchema.Parse(json), Throws.TypeOf<SchemaException>().With.Message.Contains("formats"));
    }

    [Test]
    public void A_missing_schema_file_is_a_clear_error()
    {
        Assert.That(() => TopUpSchema.Load("/nonexistent/schema.json"),
            Throws.TypeOf<SchemaException>().With.Message.Contains("/nonexistent/schema.json"));
    }
}
