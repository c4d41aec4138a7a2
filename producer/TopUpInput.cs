using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TopUpSpark.Core.Schema;

namespace TopUpSpark.Producer;

/// <summary>
/// Both input CSVs, loaded once and kept ready to send: customer rows in file order, bureau rows indexed
/// by customer ID, each already encoded as its message (every value the string it is in the file). Any
/// CSV whose header names the schema's columns (in any order) is accepted, so the course's own files can
/// be dropped in. A row that cannot be sent — wrong number of values, empty ID, broken quoting — is
/// skipped and reported with its line number; the rest loads.
/// </summary>
public sealed class TopUpInput
{
    private static readonly IReadOnlyList<PreparedRow> NoRows = [];
    private readonly Dictionary<string, List<PreparedRow>> _bureauById;

    private TopUpInput(CsvMessageFile customers, CsvMessageFile bureau, Dictionary<string, List<PreparedRow>> bureauById, long orphanBureauRows,
        string eventTimeColumn)
    {
        CustomerFile = customers.Path;
        BureauFile = bureau.Path;
        CustomerHeaders = customers.Headers;
        BureauHeaders = bureau.Headers;
        Customers = customers.Rows;
        _bureauById = bureauById;
        BureauRowCount = bureau.Rows.Count;
        OrphanBureauRows = orphanBureauRows;
        Rejected = [.. customers.Rejected, .. bureau.Rejected];
        EventTimeColumn = eventTimeColumn;
    }

    public string CustomerFile { get; }
    public string BureauFile { get; }

    /// <summary>The customer file's header, in file order.</summary>
    public IReadOnlyList<string> CustomerHeaders { get; }

    public IReadOnlyList<string> BureauHeaders { get; }

    /// <summary>The column every message adds for the batch's event time (the schema's, <c>ts</c>).</summary>
    public string EventTimeColumn { get; }

    /// <summary>Customer rows that can be sent, in file order.</summary>
    public IReadOnlyList<PreparedRow> Customers { get; }

    public long BureauRowCount { get; }

    /// <summary>Bureau rows whose ID no customer row has: they are never sent.</summary>
    public long OrphanBureauRows { get; }

    public IReadOnlyList<RejectedRow> Rejected { get; }

    /// <summary>The bureau rows of <paramref name="id"/>, in file order (none is a valid answer).</summary>
    public IReadOnlyList<PreparedRow> BureauRowsOf(string id) =>
        _bureauById.TryGetValue(id, out var rows) ? rows : NoRows;

    /// <summary>Loads <c>customer.csv</c> and <c>bureau.csv</c> from <paramref name="dataDirectory"/>.</summary>
    public static TopUpInput LoadDirectory(string dataDirectory, TopUpSchema schema, ILogger? logger = null) =>
        Load(Path.Combine(dataDirectory, "customer.csv"), Path.Combine(dataDirectory, "bureau.csv"), schema, logger);

    public static TopUpInput Load(string customerFile, string bureauFile, TopUpSchema schema, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        var shape = new PreparedRow.MessageShape(schema.EventTimeColumn);
        var customers = Read(customerFile, schema.Customer, shape, logger);
        if (customers.Rows.Count == 0)
            throw new InputDataException($"{customerFile} has no customer row that can be sent");
        var bureau = Read(bureauFile, schema.Bureau, shape, logger);
        var bureauById = new Dictionary<string, List<PreparedRow>>(StringComparer.Ordinal);
        foreach (var row in bureau.Rows)
        {
            if (!bureauById.TryGetValue(row.Id, out var rows))
                bureauById[row.Id] = rows = [];
            rows.Add(row);
        }
        var customerIds = customers.Rows.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var orphans = bureauById.Where(kv => !customerIds.Contains(kv.Key)).Sum(kv => (long)kv.Value.Count);
        if (orphans > 0)
            logger.LogWarning("{Orphans} bureau row(s) in {File} belong to no customer in {CustomerFile}; they are never sent",
                orphans, bureauFile, customerFile);
        logger.LogInformation("loaded {Customers} customers from {CustomerFile} and {Bureau} bureau rows from {BureauFile}; {Rejected} row(s) skipped",
            customers.Rows.Count, customerFile, bureau.Rows.Count, bureauFile, customers.Rejected.Count + bureau.Rejected.Count);
        return new TopUpInput(customers, bureau, bureauById, orphans, schema.EventTimeColumn);
    }

    private static CsvMessageFile Read(string path, DatasetSchema schema, PreparedRow.MessageShape shape, ILogger logger) =>
        CsvMessageFile.Read(path, schema.Name, schema.KeyColumn, groupColumn: null, (file, headers) => CheckHeader(file, headers, schema), shape, logger);

    private static void CheckHeader(string path, string[] headers, DatasetSchema schema)
    {
        var expected = schema.ColumnNames.ToList();
        var missing = expected.Except(headers, StringComparer.Ordinal).ToList();
        var unexpected = headers.Except(expected, StringComparer.Ordinal).ToList();
        var repeated = headers.GroupBy(h => h, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (missing.Count == 0 && unexpected.Count == 0 && repeated.Count == 0) return;
        var problems = new List<string>();
        if (missing.Count > 0) problems.Add($"missing column(s) {Quote(missing)}");
        if (unexpected.Count > 0) problems.Add($"unexpected column(s) {Quote(unexpected)}");
        if (repeated.Count > 0) problems.Add($"repeated column(s) {Quote(repeated)}");
        throw new InputDataException(
            $"{path}: the header does not match the schema's '{schema.Name}' columns: {string.Join("; ", problems)}. " +
            $"Expected (any order): {Quote(expected)}");
    }

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
}
