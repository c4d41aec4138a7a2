using System.Globalization;
using DuckDB.NET.Data;
using NUnit.Framework;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Analytics.Tests;

/// <summary>
/// The views joined and predictions over real job outputs: their counts are those of the parquet files, read
/// independently here with Parquet.Net; outputs of several instances, and a batch written twice by overlapping
/// instances, count each row once.
/// </summary>
[NonParallelizable]
public class OutputViewTests
{
    private static JobOutputs Outputs => Pipeline.Outputs;

    private static Task<string> Scalar(string folder, string sql) => SqlRun.ScalarAsync("--no-kafka", "--out", folder, sql);

    [Test]
    public async Task Views_give_the_counts_computed_from_the_parquet_files()
    {
        var folder = Outputs.One.OutputDirectory;
        var joined = ParquetRows.ReadFolder(Outputs.One.JoinedDirectory);
        var predictions = ParquetRows.ReadFolder(Outputs.One.PredictionsDirectory);
        Assert.That(joined, Has.Count.GreaterThan(50), "the run must join a real volume of rows");

        Assert.That(await Scalar(folder, "SELECT count(*) FROM joined"), Is.EqualTo(joined.Count.ToString(CultureInfo.InvariantCulture)));
        Assert.That(await Scalar(folder, "SELECT count(*) FROM predictions"), Is.EqualTo(predictions.Count.ToString(CultureInfo.InvariantCulture)));
        var predicted = predictions.Count(r => (double?)r["prediction"] == 1.0);
        Assert.That(predicted, Is.GreaterThan(0));
        Assert.That(await Scalar(folder, "SELECT count(*) FROM predictions WHERE prediction = 1"), Is.EqualTo(predicted.ToString(CultureInfo.InvariantCulture)));

        var expectedByMonth = joined.GroupBy(r => (string?)r["Top-up_Month"] ?? "").OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}={g.Count()}").ToList();
        var byMonth = await SqlRun.CsvRowsAsync("--no-kafka", "--out", folder,
            "SELECT coalesce(\"Top-up_Month\", '') AS month, count(*) FROM joined GROUP BY ALL ORDER BY month COLLATE C");
        Assert.That(byMonth.Select(r => $"{r[0].Trim('"')}={r[1]}"), Is.EqualTo(expectedByMonth));

        // Times are UTC, as written.
        var firstWindow = joined.Min(r => (DateTimeOffset)r["window_start"]!);
        Assert.That(await Scalar(folder, "SELECT min(window_start) FROM joined"), Is.EqualTo(firstWindow.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)));
    }

    [Test]
    public async Task Outputs_of_two_instances_in_one_folder_count_each_row_once_and_equal_one_instance()
    {
        var files = Directory.GetFiles(Outputs.Split.JoinedDirectory, "part-*.parquet").Select(Path.GetFileName).ToList();
        Assert.That(files.Select(TasksOf).Distinct().Count(), Is.GreaterThan(1), $"both instances wrote files: {string.Join(", ", files)}");

        var expected = ParquetRows.Canonical(Outputs.One.JoinedDirectory);
        Assert.That(ParquetRows.Canonical(Outputs.Split.JoinedDirectory), Is.EqualTo(expected), "the instances wrote what one instance writes");
        Assert.That(await Scalar(Outputs.Split.OutputDirectory, "SELECT count(*) FROM joined"), Is.EqualTo(expected.Count.ToString(CultureInfo.InvariantCulture)));
        Assert.That(await RowsOf(Outputs.Split.OutputDirectory), Is.EqualTo(await RowsOf(Outputs.One.OutputDirectory)));
    }

    [Test]
    public async Task A_batch_written_twice_by_overlapping_instances_counts_each_row_once()
    {
        // An instance presumed dead finishing a batch that another instance replayed meanwhile: one file of that
        // batch holds tasks 0-3, the others 0-1 and 2-3, the same rows twice.
        var folder = CopyOf(Outputs.Split.OutputDirectory);
        try
        {
            var joined = Path.Combine(folder, "joined");
            var batch = Directory.GetFiles(joined, "part-*.parquet").Select(Path.GetFileName).GroupBy(BatchOf).First(g => g.Count() >= 2).Key;
            foreach (var view in new[] { "joined", "predictions" })
            {
                var halves = Directory.GetFiles(Path.Combine(folder, view), $"part-{batch}-*.parquet");
                WriteParquet(Path.Combine(folder, view, $"part-{batch}-0-3.snappy.parquet"),
                    $"SELECT * FROM read_parquet([{string.Join(", ", halves.Select(f => $"'{f}'"))}])");
            }

            var written = ParquetRows.ReadFolder(joined).Count;
            var once = ParquetRows.Canonical(Outputs.One.JoinedDirectory).Count;
            Assert.That(written, Is.GreaterThan(once), "the folder holds rows twice");
            Assert.That(await Scalar(folder, "SELECT count(*) FROM joined"), Is.EqualTo(once.ToString(CultureInfo.InvariantCulture)));
            Assert.That(await RowsOf(folder), Is.EqualTo(await RowsOf(Outputs.One.OutputDirectory)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task Equal_rows_in_one_file_all_count()
    {
        // Two customer messages alike in every column join into two equal rows, and Spark keeps both.
        var folder = RepositoryRoot.NewScratchDirectory("equal-rows");
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "joined"));
            WriteParquet(Path.Combine(folder, "joined", "part-00000000-0-3.snappy.parquet"), "SELECT * FROM (VALUES ('7', 1), ('7', 1), ('8', 1)) AS t(ID, n)");
            WriteParquet(Path.Combine(folder, "joined", "part-00000001-0-3.snappy.parquet"), "SELECT * FROM (VALUES ('7', 1)) AS t(ID, n)");
            Assert.That(await Scalar(folder, "SELECT count(*) FROM joined WHERE ID = '7'"), Is.EqualTo("3"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<List<string>> RowsOf(string folder) =>
        (await SqlRun.CsvRowsAsync("--no-kafka", "--out", folder, "SELECT * FROM predictions ORDER BY ALL")).Select(r => string.Join(",", r)).ToList();

    private static string TasksOf(string? file) => file!.Split('-', 3)[2];

    private static string BatchOf(string? file) => file!.Split('-', 3)[1];

    private static void WriteParquet(string file, string select)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"COPY ({select}) TO '{file}' (FORMAT parquet, COMPRESSION snappy)";
        command.ExecuteNonQuery();
    }

    private static string CopyOf(string folder)
    {
        var copy = RepositoryRoot.NewScratchDirectory("overlap");
        foreach (var view in new[] { "joined", "predictions" })
        {
            Directory.CreateDirectory(Path.Combine(copy, view));
            foreach (var file in Directory.GetFiles(Path.Combine(folder, view), "part-*.parquet"))
                File.Copy(file, Path.Combine(copy, view, Path.GetFileName(file)));
        }
        return copy;
    }
}
