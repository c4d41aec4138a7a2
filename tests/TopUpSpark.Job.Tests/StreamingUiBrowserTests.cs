using NUnit.Framework;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Job.Tests;

/// <summary>The streaming UI as a user sees it: the job running against the embedded broker, and headless Chromium.</summary>
[NonParallelizable]
public class StreamingUiBrowserTests
{
    [Test]
    public async Task The_page_charts_every_batch_and_updates_in_place_as_batches_run()
    {
        await using var run = await StreamingUiRun.StartAsync("streaming-ui-browser");
        await using var browser = await HeadlessChromium.LaunchAsync(1500, 1300);
        await browser.NavigateAsync(run.Address.ToString());
        await browser.WaitForAsync("document.body.dataset.batches === '0'", Waits.HangBound);
        Assert.That(await browser.EvaluateAsync<string>("document.getElementById('chart-rates').querySelector('.annotation-text').textContent"),
            Does.StartWith("No batch yet"), "an empty chart says so instead of showing made-up axes");
        Assert.That(await browser.EvaluateAsync<int>("document.querySelectorAll('#chart-rates .xtick').length"), Is.Zero);
        await browser.EvaluateAsync("window.__loadedOnce = 'still here'; true");

        await run.ProduceAsync(4);
        var progress = await run.ProgressAsync();
        var batches = progress.GetProperty("batches").EnumerateArray().ToList();
        await browser.WaitForAsync($"document.body.dataset.batches === '{batches.Count}'", Waits.HangBound);

        // Each chart has a point or bar per batch, with the values of the progress.
        var ids = batches.Select(b => b.GetProperty("batchId").GetInt64()).ToArray();
        Assert.That(await browser.EvaluateAsync<long[]>("document.getElementById('chart-rates').data[0].x"), Is.EqualTo(ids));
        Assert.That(await browser.EvaluateAsync<double[]>("document.getElementById('chart-rates').data[1].y"),
            Is.EqualTo(batches.Select(b => b.GetProperty("processedRowsPerSecond").GetDouble())).Within(1e-6));
        var phases = await browser.EvaluateAsync<string[]>("document.getElementById('chart-durations').data.map(t => t.name)");
        Assert.That(phases, Is.SupersetOf(new[] { "getBatch", "execute", "addBatch", "commit", "other" }));
        Assert.That(await browser.EvaluateAsync<long>("document.getElementById('chart-durations').data.reduce((s, t) => s + t.y.reduce((a, b) => a + b, 0), 0)"),
            Is.EqualTo(batches.Sum(b => b.GetProperty("durationMs").GetProperty("triggerExecution").GetInt64())), "the phases add up to each batch's duration");
        Assert.That(await browser.EvaluateAsync<string[]>("document.getElementById('chart-state').data.map(t => t.name)"), Has.Length.GreaterThanOrEqualTo(2),
            "the aggregation's and the join's state");
        Assert.That(await browser.EvaluateAsync<int>("document.getElementById('chart-watermark').data[0].y.length"), Is.Positive);
        var late = batches.Sum(b => b.GetProperty("lateRowsDropped").GetInt64());
        Assert.That(late, Is.Positive);
        Assert.That(await browser.EvaluateAsync<long>("document.getElementById('chart-dropped').data.find(t => t.name === 'late rows dropped').y.reduce((a, b) => a + b, 0)"),
            Is.EqualTo(late));
        Assert.That(await browser.EvaluateAsync<string>("document.getElementById('kpi-late').textContent"), Is.EqualTo(late.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(await browser.EvaluateAsync<int>("document.querySelectorAll('#offsets-body tr').length"), Is.EqualTo(8), "two topics of four partitions");
        Assert.That(await browser.EvaluateAsync<int>("document.querySelectorAll('#chart-rates .xtick').length"), Is.Positive, "the batch axis once there are batches");
        await browser.SaveScreenshotAsync("streaming-ui.png", "the streaming UI after four producer batches");

        await run.SendMalformedCustomerAsync();
        await browser.WaitForAsync("document.getElementById('kpi-dead').textContent === '1'", Waits.HangBound);
        await run.ProduceAsync(2);
        var after = (await run.ProgressAsync()).GetProperty("batches").GetArrayLength();
        await browser.WaitForAsync($"document.body.dataset.batches === '{after}'", Waits.HangBound);
        Assert.That(after, Is.GreaterThan(batches.Count));
        Assert.That(await browser.EvaluateAsync<string>("window.__loadedOnce"), Is.EqualTo("still here"), "the page updates in place, not by reloading");
        Assert.That(await browser.EvaluateAsync<long>("document.getElementById('chart-dropped').data.find(t => t.name === 'dead letters').y.reduce((a, b) => a + b, 0)"),
            Is.EqualTo(1));
        Assert.That(browser.Problems, Is.Empty, "console errors or Content-Security-Policy reports");
    }
}
