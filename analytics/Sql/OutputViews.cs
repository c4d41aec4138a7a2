using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;

namespace TopUpSpark.Analytics.Sql;

/// <summary>
/// Views over the job's parquet outputs: <c>joined</c> and <c>predictions</c>, over every
/// <c>part-&lt;batch&gt;-&lt;tasks&gt;.snappy.parquet</c> of the output folder's <c>joined/</c> and <c>predictions/</c>,
/// whichever job instance wrote it (instances of one query share the folder).
/// <para>
/// Each row counts once. The sink writes a batch's rows once: a file per batch and the tasks one instance
/// ran, and a replayed batch writes only the tasks no file of that batch holds yet. Two files of one batch
/// can still hold the same task, when an instance presumed dead finishes writing a batch that another
/// instance replayed meanwhile; the two then hold the same rows of that task, since a replay reads the same
/// offsets. So the views count, per batch, each distinct row as often as the file holding it most often
/// holds it: without overlapping files that is every row as written (a customer's rows are in one task, so
/// in one file of the batch), and rows in both overlapping files count once.
/// </para>
/// </summary>
public static class OutputViews
{
    public const string Joined = "joined";
    public const string Predictions = "predictions";

    public static readonly IReadOnlyList<string> All = [Joined, Predictions];

    /// <summary>The parquet files a view reads: the sink's finished files (its temporary files start with a dot).</summary>
    public static IReadOnlyList<string> Files(string outputDirectory, string view)
    {
        var folder = Path.Combine(outputDirectory, view);
        return Directory.Exists(folder)
            ? Directory.GetFiles(folder, "part-*.parquet").Order(StringComparer.Ordinal).ToList()
            : [];
    }

    /// <summary>
    /// Creates the views whose folders hold files, into <paramref name="views"/>; a view without files is left
    /// undefined, with the reason (DuckDB alone would only say that no such table exists).
    /// </summary>
    public static void Register(DuckDBConnection connection, string outputDirectory, SessionViews views, ILogger log)
    {
        foreach (var view in All)
        {
            var files = Files(outputDirectory, view);
            if (files.Count == 0)
            {
                var folder = Path.Combine(Path.GetFullPath(outputDirectory), view);
                views.Undefined(view, $"no parquet files in {folder} (is --out the job's output folder?)");
                log.LogDebug("no parquet files in {Folder}: view {View} is not defined", folder, view);
                continue;
            }
            using var command = connection.CreateCommand();
            command.CommandText = ViewSql(view, files);
            command.ExecuteNonQuery();
            views.Defined(view);
        }
    }

    /// <summary>The view: rows counted per file, per batch the largest count of each distinct row, then that many copies.</summary>
    public static string ViewSql(string view, IReadOnlyList<string> files)
    {
        var list = string.Join(", ", files.Select(file => "'" + file.Replace("'", "''", StringComparison.Ordinal) + "'"));
        // The __topup_ columns are the view's own bookkeeping, named so that no output column can clash with them.
        return $"""
            CREATE OR REPLACE VIEW {view} AS
            WITH rows_of_files AS (
                SELECT * EXCLUDE (filename),
                       filename AS __topup_file,
                       CAST(regexp_extract(filename, 'part-([0-9]+)-[^/]*$', 1) AS BIGINT) AS __topup_batch
                FROM read_parquet([{list}], filename = true, union_by_name = true)),
            copies_per_file AS (
                SELECT *, count(*) AS __topup_copies FROM rows_of_files GROUP BY ALL),
            copies_per_batch AS (
                SELECT * EXCLUDE (__topup_file, __topup_copies), max(__topup_copies) AS __topup_copies
                FROM copies_per_file GROUP BY ALL)
            SELECT * EXCLUDE (__topup_batch, __topup_copies, __topup_copy)
            FROM (SELECT *, unnest(range(__topup_copies)) AS __topup_copy FROM copies_per_batch)
            """;
    }
}
