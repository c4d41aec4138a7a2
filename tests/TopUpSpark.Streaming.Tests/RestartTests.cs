using NUnit.Framework;
using TopUpSpark.Streaming.Checkpointing;
using static TopUpSpark.Streaming.Tests.StreamHarness;

namespace TopUpSpark.Streaming.Tests;

public class RestartTests
{
    private static void Feed(StreamHarness h, int step)
    {
        switch (step)
        {
            case 0:
                h.AddBureau(BureauJson("1", 100), BureauJson("2", 101, type: "B"));
                h.AddCustomers(CustomerJson("1", 100), CustomerJson("2", 105));
                break;
            case 1:
                h.AddBureau(BureauJson("1", 130), BureauJson("3", 131));
                h.AddCustomers(CustomerJson("1", 130), CustomerJson("3", 140));
                break;
            default:
                h.AddBureau(BureauJson("4", 400));
                h.AddCustomers(CustomerJson("4", 400));
                break;
        }
    }

    [Test]
    public void A_batch_that_crashed_before_its_commit_is_replayed_with_the_same_offsets_and_identical_output()
    {
        using var clean = new StreamHarness();
        var crashed = false;
        using var crashing = new StreamHarness(failAfterSinks: batch => batch == 2 && !crashed && (crashed = true));
        for (var step = 0; step < 3; step++)
        {
            Feed(clean, step);
            clean.ProcessAvailable();
            Feed(crashing, step);
            try
            {
                crashing.ProcessAvailable();
            }
            catch (SimulatedCrash)
            {
                Assert.That(crashed, Is.True);
                var task = new QueryCheckpoint(new FileCheckpointStorage(Path.Combine(crashing.Directory, "checkpoint"))).Task(0);
                Assert.That(task.LatestOffsets()!.BatchId, Is.EqualTo(2), "offsets were written ahead");
                Assert.That(task.LatestCommit()!.BatchId, Is.EqualTo(1), "the commit was not");
                crashing.ProcessAvailable();
            }
        }
        Assert.That(crashed, "the crash was injected");

        // The replayed batch 2 came again with the same id and rows: a sink keyed by batch id keeps one copy.
        var replayed = crashing.Joined.Where(j => j.BatchId == 2).Select(j => string.Join("|", j.Row)).ToList();
        Assert.That(replayed, Has.Count.EqualTo(2 * clean.Joined.Count(j => j.BatchId == 2)));
        var deduplicated = crashing.Joined.GroupBy(j => j.BatchId).SelectMany(g => g.Take(g.Count() / (g.Key == 2 ? 2 : 1)));
        Assert.That(deduplicated.Select(j => (j.BatchId, string.Join("|", j.Row))),
            Is.EqualTo(clean.Joined.Select(j => (j.BatchId, string.Join("|", j.Row)))));

        var cleanFiles = Directory.GetFiles(Path.Combine(clean.Directory, "joined")).Select(Path.GetFileName).Order().ToList();
        var crashFiles = Directory.GetFiles(Path.Combine(crashing.Directory, "joined")).Select(Path.GetFileName).Order().ToList();
        Assert.That(crashFiles, Is.EqualTo(cleanFiles), "one parquet file per batch, none duplicated, no temporary files left");
        Assert.That(cleanFiles, Is.Not.Empty);
        foreach (var file in cleanFiles)
            Assert.That(File.ReadAllBytes(Path.Combine(crashing.Directory, "joined", file!)),
                Is.EqualTo(File.ReadAllBytes(Path.Combine(clean.Directory, "joined", file!))), file);
    }

    [Test]
    public void Processing_in_two_runs_equals_one_continuous_run()
    {
        using var once = new StreamHarness();
        using var twice = new StreamHarness();
        for (var step = 0; step < 3; step++) Feed(once, step);
        once.ProcessAvailable();
        Feed(twice, 0);
        twice.ProcessAvailable();
        for (var step = 1; step < 3; step++) Feed(twice, step);
        twice.ProcessAvailable();
        static IEnumerable<string> Rows(StreamHarness h) => h.Joined.Select(j => string.Join("|", j.Row)).Order();
        Assert.That(Rows(twice), Is.EqualTo(Rows(once)));
        Assert.That(Rows(once).Count(), Is.EqualTo(4), "two windows of 90–120 and two of 120–150; 390–420 stays open");
    }

    [Test]
    public void State_rebuilt_from_a_snapshot_and_the_deltas_after_it_matches_one_continuous_run()
    {
        const int steps = 12;
        static void FeedWindow(StreamHarness h, int k)
        {
            h.AddBureau(BureauJson($"{k % 3}", 30 * k + 1, amt: $"{k}"), BureauJson($"{(k + 1) % 3}", 30 * k + 2, type: $"T{k}"));
            h.AddCustomers(CustomerJson($"{k % 3}", 30 * k + 10));
        }
        using var once = new StreamHarness(maxRecordsPerTrigger: 2);
        using var restartedEveryStep = new StreamHarness(maxRecordsPerTrigger: 2);
        for (var k = 0; k < steps; k++) FeedWindow(once, k);
        once.ProcessAvailable();
        for (var k = 0; k < steps; k++)
        {
            FeedWindow(restartedEveryStep, k);
            restartedEveryStep.ProcessAvailable();
        }
        static List<string> Rows(StreamHarness h) => h.Joined.Select(j => string.Join("|", j.Row)).Order().ToList();
        Assert.That(restartedEveryStep.Progress.Max(p => p.BatchId), Is.GreaterThan(2 * Checkpointing.TaskLog.SnapshotInterval),
            "restarts happened after snapshot batches and after delta batches");
        Assert.That(Rows(restartedEveryStep), Is.EqualTo(Rows(once)));
        Assert.That(Rows(once), Has.Count.EqualTo(steps - 2),
            "one row per closed window; the last two stay open, as the watermark (last bureau ts − 5 s) is short of the second-last's end");
    }

    [Test]
    public void Distinct_counts_of_no_one_and_several_values_carry_over_restarts_in_the_middle_of_a_window()
    {
        using var h = new StreamHarness();
        // One window, a run (and a restart from the checkpoint) per row: ID 1 sees A, A, B, C; ID 2 sees A twice; ID 3 no type at all.
        (string Id, string Type)[] rows = [("1", "A"), ("2", "A"), ("3", ""), ("1", "A"), ("2", "A"), ("1", "B"), ("3", ""), ("1", "C")];
        for (var i = 0; i < rows.Length; i++)
        {
            h.AddBureau(BureauJson(rows[i].Id, 100 + i, type: rows[i].Type));
            h.ProcessAvailable();
        }
        h.AddCustomers(CustomerJson("1", 110), CustomerJson("2", 110), CustomerJson("3", 110));
        h.ProcessAvailable();
        h.AddBureau(BureauJson("9", 200));
        h.AddCustomers(CustomerJson("9", 200));
        h.ProcessAvailable();

        var distinct = h.Joined.ToDictionary(j => (string)h.Value(j.Row, "ID")!, j => h.Value(j.Row, "TYPE_dist"));
        Assert.That(distinct, Is.EqualTo(new Dictionary<string, object?> { ["1"] = 3L, ["2"] = 1L, ["3"] = 0L }));
    }

    [Test]
    public void Progress_is_written_as_one_json_line_per_batch()
    {
        using var h = new StreamHarness();
        Feed(h, 0);
        Feed(h, 1);
        var batches = h.ProcessAvailable();
        var lines = File.ReadAllLines(Path.Combine(h.Directory, "progress.jsonl"));
        Assert.That(lines, Has.Length.EqualTo(batches.Count));
        var first = System.Text.Json.JsonDocument.Parse(lines[0]).RootElement;
        Assert.That(first.GetProperty("batchId").GetInt64(), Is.EqualTo(0));
        Assert.That(first.GetProperty("numInputRows").GetInt64(), Is.EqualTo(8));
        Assert.That(first.GetProperty("durationMs").GetProperty("triggerExecution").GetInt64(), Is.GreaterThanOrEqualTo(0));
        Assert.That(first.GetProperty("stateOperators").GetArrayLength(), Is.EqualTo(2));
    }
}
