namespace TopUpSpark.Analytics.Sql;

/// <summary>How query results are printed.</summary>
public enum ResultFormat
{
    /// <summary>Columns aligned under a header, for reading on a terminal.</summary>
    Table,
    /// <summary>RFC 4180 CSV with a header line, for spreadsheets and other tools.</summary>
    Csv,
    /// <summary>A JSON array of one object per row, for programs.</summary>
    Json,
}
