using System.Globalization;
using System.Text.Json;
using NUnit.Framework;

namespace TopUpSpark.Notebooks.Tests;

/// <summary>notebooks/TopUpDemo.ipynb runs top to bottom in a real .NET Interactive kernel and shows its results.</summary>
[NonParallelizable]
public class DemoNotebookTests
{
    [Test]
    public void Demo_notebook_runs_every_cell_in_the_kernel_and_shows_the_logs_tables_line_chart_and_map()
    {
        JupyterRun.ExecuteAndCheck("TopUpDemo", (run, summary, _) =>
        {
            Assert.That(summary.GetProperty("predictedTopUps").GetInt64(), Is.GreaterThan(0));

            var jobCell = run.CodeCellContaining("TopUpJob.RunAsync");
            Assert.That(run.Text(jobCell), Does.Match(@"\d\d:\d\d:\d\d\.\d{3}Z info: topup-job\[0\] TopUp job"), "the job's log lines are in its cell's output");
            Assert.That(string.Join("", run.Html(jobCell)), Does.Contain(Count(summary, "scoredRows")).And.Contain("PredictedTopUps"), "the job's summary is displayed");

            var scoredCell = run.CodeCellContaining("DeserializeUntypedAsync");
            Assert.That(run.Text(scoredCell), Does.StartWith($"{Count(summary, "scoredRows")} scored rows, {Count(summary, "predictedTopUps")} predicted top-ups"),
                "the scored rows read back from parquet are the job's");

            Assert.That(run.TableRows(scoredCell), Has.Count.EqualTo(10), "the ten most likely customers, as a table");

            var publishedCell = run.CodeCellContaining("display(Table.Of(topUpsByState))");
            long Total(int table) => run.TableRows(publishedCell, table).Sum(row => long.Parse(row["PredictedTopUps"], CultureInfo.InvariantCulture));
            Assert.That(Total(0), Is.EqualTo(summary.GetProperty("predictedTopUps").GetInt64()), "the per-state table holds the job's predicted top-ups");
            Assert.That(Total(1), Is.EqualTo(summary.GetProperty("predictedTopUps").GetInt64()), "the per-window table holds the job's predicted top-ups");

            var figures = run.Html(run.CodeCellContaining("Figures.Map"));
            Assert.That(figures, Has.Count.EqualTo(2), "the line chart and the map");
            Assert.That(figures[0], Does.Contain("Plotly.newPlot(").And.Contain("\"type\":\"scatter\"").And.Contain("Predicted top-ups per window"), "the line chart");
            Assert.That(figures[1], Does.Contain("Plotly.newPlot(").And.Contain("\"type\":\"choropleth\"").And.Contain("-india"), "the map");
            Assert.That(File.Exists(Path.ChangeExtension(run.ExecutedPath, ".html")), Is.True, "the HTML export is kept");
        });
    }

    private static string Count(JsonElement summary, string property) =>
        summary.GetProperty(property).GetInt64().ToString(CultureInfo.InvariantCulture);
}
