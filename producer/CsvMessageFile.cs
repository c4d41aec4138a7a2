using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Messages;

namespace TopUpSpark.Producer;

/// <summary>
/// A CSV file read with CsvHelper, every row encoded once as its message (every value the string it is
/// in the file; <see cref="InputMessageCodec"/>). A row that cannot be sent — wrong number of values, empty
/// key, broken quoting — is skipped and reported with the line it starts on; the rest loads.
/// </summary>
internal sealed record CsvMessageFile(string Path, string[] Headers, List<PreparedRow> Rows, List<string>? Groups, List<RejectedRow> Rejected)
{
    /// <summary>Rejections logged one by one per file; the rest are counted in one line.</summary>
    private const int RejectionsLoggedPerFile = 50;

    /// <param name="description">What the file holds, for messages ("customer").</param>
    /// <param name="keyColumn">The column whose value keys each message; a row without one is skipped.</param>
    /// <param name="groupColumn">A column whose value is kept per row in <see cref="Groups"/>, or null.</param>
    /// <param name="checkHeader">Throws <see cref="InputDataException"/> for a header the caller cannot use.</param>
    public static CsvMessageFile Read(string path, string description, string keyColumn, string? groupColumn, Action<string, string[]> checkHeader,
        PreparedRow.MessageShape shape, ILogger logger)
    {
        if (!File.Exists(path))
            throw new InputDataException($"{description} file not found: {path}");
        string? brokenQuoting = null;
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            BadDataFound = args => brokenQuoting = args.Field,
            DetectColumnCountChanges = false,
            TrimOptions = TrimOptions.None,
        };
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
        using var parser = new CsvParser(reader, config);
        if (!parser.Read())
            throw new InputDataException($"{path} is empty: expected a header line naming the {description} columns");
        var headers = parser.Record!;
        checkHeader(path, headers);
        var key = Array.IndexOf(headers, keyColumn);
        var group = groupColumn is null ? -1 : Array.IndexOf(headers, groupColumn);
        var groups = groupColumn is null ? null : new List<string>();
        var rows = new List<PreparedRow>();
        var rejected = new List<RejectedRow>();
        var store = new MessageStore();
        while (parser.Read())
        {
            var record = parser.Record!;
            var reason =
                brokenQuoting is not null ? $"malformed quoting near \"{Shorten(brokenQuoting)}\""
                : record.Length != headers.Length ? $"{record.Length} values where the header has {headers.Length} columns"
                : string.IsNullOrWhiteSpace(record[key]) ? $"empty {keyColumn}"
                : null;
            brokenQuoting = null;
            if (reason is null)
            {
                var encoded = InputMessageCodec.Encode(headers, record, shape.EventTimeColumn, "");
                rows.Add(new PreparedRow(record[key], store.Store(shape.Prefix(encoded)), shape));
                groups?.Add(record[group]);
                continue;
            }
            var rejection = new RejectedRow(path, StartLine(parser), reason);
            rejected.Add(rejection);
            if (rejected.Count <= RejectionsLoggedPerFile)
                logger.LogWarning("skipped {Rejection}", rejection);
        }
        if (rejected.Count > RejectionsLoggedPerFile)
            logger.LogWarning("skipped {More} more bad row(s) in {File} ({Total} in all)",
                rejected.Count - RejectionsLoggedPerFile, path, rejected.Count);
        return new CsvMessageFile(path, headers, rows, groups, rejected);
    }

    /// <summary>The line the current record starts on (the header is line 1); a quoted value may span lines.</summary>
    private static long StartLine(CsvParser parser)
    {
        var raw = parser.RawRecord;
        var lineBreaks = raw.Count(c => c == '\n');
        var linesSpanned = raw.EndsWith('\n') ? lineBreaks : lineBreaks + 1;
        return parser.RawRow - linesSpanned + 1;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
