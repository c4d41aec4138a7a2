using System.Globalization;
using System.Text.Json;
using NUnit.Framework;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Notebooks.Tests;

/// <summary>
/// notebooks/TopUpReport.ipynb runs in a real .NET Interactive kernel, and its SQL figures are the run's: each is
/// checked against the job's summary.json or the parquet files read here without SQL.
/// </summary>
[NonParallelizable]
public class ReportNotebookTests
{
    [Test]
    public void Report_notebook_runs_in_the_kernel_and_its_sql_figures_equal_the_runs_own_counts()
    {
        JupyterRun.ExecuteAndCheck("TopUpReport", (run, summary, outputDirectory) =>
        {
            long Summary(string property) => summary.GetProperty(property).GetInt64();
            Assert.That(Summary("lateRowsDropped"), Is.GreaterThan(0), "the run has late rows to report");
            Assert.That(Summary("deadLetters"), Is.GreaterThan(0), "the run has dead letters to report");

            var predictions = ParquetRows.ReadFolder(Path.Combine(outputDirectory, "predictions"));
            var predicted = predictions.Where(row => Convert.ToDouble(row["prediction"], CultureInfo.InvariantCulture) == 1).ToList();
            Assert.That(predicted, Is.Not.Empty);

            var diagram = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(RepositoryRoot.Path, "docs", "pipeline.svg")));
            Assert.That(run.Html(run.CodeCellContaining("pipeline.svg")).Single(), Does.Contain($"src=\"data:image/svg+xml;base64,{diagram}\""), "the architecture diagram");

            var overall = run.TableRows(run.CodeCellContaining("AS scored_customers, sum(prediction)")).Single();
            Assert.That(Number(overall["scored_customers"]), Is.EqualTo(predictions.Count), "scored customers: the parquet rows");
            Assert.That(Number(overall["predicted_topups"]), Is.EqualTo(predicted.Count), "predicted top-ups: the parquet rows with prediction 1");

            var byStateCell = run.CodeCellContaining("FROM topup_by_state GROUP BY ALL ORDER BY predicted_topups");
            Assert.That(run.TableRows(byStateCell).Sum(row => Number(row["predicted_topups"])), Is.EqualTo(Summary("predictedTopUps")), "by state: the job's published total");

            var byWindowCell = run.CodeCellContaining("Figures.WindowHistory");
            var byWindow = run.TableRows(byWindowCell);
            Assert.That(byWindow.Sum(row => Number(row["predicted_topups"])), Is.EqualTo(Summary("predictedTopUps")), "by window: the job's published total");
            Assert.That(byWindow.Select(row => row["window_end"]),
                Is.EquivalentTo(predicted.Select(row => Utc(row["window_end"])).Distinct()), "the windows with predicted top-ups");

            var share = run.TableRows(run.CodeCellContaining("percent_predicted"));
            Assert.That(share.Sum(row => Number(row["scored_customers"])), Is.EqualTo(predictions.Count), "share: every scored customer has a state");
            Assert.That(share.Sum(row => Number(row["predicted_topups"])), Is.EqualTo(predicted.Count));

            var probabilities = run.TableRows(run.CodeCellContaining("floor(probability * 10)"))
                .ToDictionary(row => row["probability"], row => Number(row["customers"]));
            var expectedProbabilities = predictions
                .GroupBy(row => Math.Floor(Convert.ToDouble(row["probability"], CultureInfo.InvariantCulture) * 10) / 10)
                .ToDictionary(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key:0.0}–{g.Key + 0.1:0.0}"), g => (long)g.Count());
            Assert.That(probabilities, Is.EquivalentTo(expectedProbabilities), "customers per tenth of probability");

            var months = run.TableRows(run.CodeCellContaining("\"Top-up_Month\" AS topup_month"))
                .ToDictionary(row => row["topup_month"], row => Number(row["predicted_customers"]));
            Assert.That(months, Is.EquivalentTo(predicted.GroupBy(row => (string)row["Top-up_Month"]!).ToDictionary(g => g.Key, g => (long)g.Count())),
                "top-up months of the predicted customers");

            var unusableCell = run.CodeCellContaining("FROM dead_letters");
            Assert.That(run.TableRows(unusableCell).Sum(row => Number(row["messages"])), Is.EqualTo(Summary("deadLetters")), "dead letters: the job's count");
            Assert.That(run.Text(unusableCell), Does.Contain($"{Summary("lateRowsDropped")} late rows dropped; {Summary("deadLetters")} dead letters"));

            var charts = new[] { byStateCell, byWindowCell, unusableCell }.SelectMany(run.Html).Where(html => html.Contains("Plotly.newPlot(", StringComparison.Ordinal)).ToList();
            Assert.That(charts, Has.Count.EqualTo(3), "a chart beside each of these tables");
            Assert.That(charts[0], Does.Contain("\"type\":\"bar\"").And.Contain("Predicted top-ups by state"));
            Assert.That(charts[1], Does.Contain("\"type\":\"scatter\"").And.Contain("Predicted top-ups per window"));
            Assert.That(charts[2], Does.Contain("late rows (dropped)"));
        });
    }

    private static long Number(string text) => long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static string Utc(object? time) => time switch
    {
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        DateTime t => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        _ => throw new AssertionException($"window_end is {time?.GetType().Name ?? "null"}, not a time"),
    };
}
