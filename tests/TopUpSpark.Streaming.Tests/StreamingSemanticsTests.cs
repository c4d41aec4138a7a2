using System.Text;
using NUnit.Framework;
using static TopUpSpark.Streaming.Tests.StreamHarness;

namespace TopUpSpark.Streaming.Tests;

/// <summary>DESIGN §4, rule by rule, on explicit batches.</summary>
public class StreamingSemanticsTests
{
    [Test]
    public void Worked_example_of_the_design()
    {
        using var h = new StreamHarness();
        h.AddBureau(BureauJson("1", 100));
        h.AddCustomers(CustomerJson("1", 100));
        var first = h.ProcessAvailable();
        Assert.That(first.Select(p => p.BatchId), Is.EqualTo(new[] { 0L }), "no watermark moved far enough to need a no-data batch");
        Assert.That(first[0].EventTime["watermark"], Is.Null, "before any data there is no watermark");
        Assert.That(h.Joined, Is.Empty);
        Assert.That(h.Watermark, Is.EqualTo(T(95)));

        h.AddBureau(BureauJson("2", 130));
        h.AddCustomers(CustomerJson("2", 130));
        var second = h.ProcessAvailable();
        Assert.That(second.Select(p => (p.BatchId, p.NumInputRows)), Is.EqualTo(new[] { (1L, 2L), (2L, 0L) }),
            "batch 1 moves the watermark to 125 ≥ 120, so no-data batch 2 runs at once");
        Assert.That(second[1].EventTime["watermark"], Is.EqualTo(T(125).ToString("O")));
        var (batch, row) = h.Joined.Single();
        Assert.That(batch, Is.EqualTo(2));
        Assert.That(h.Value(row, "ID"), Is.EqualTo("1"));
        Assert.That(h.Value(row, "window_start"), Is.EqualTo(T(90)));
        Assert.That(h.Value(row, "window_end"), Is.EqualTo(T(120)));
        Assert.That(h.Value(row, "ts"), Is.EqualTo(T(100)));
        Assert.That(h.Value(row, "AMT_sum"), Is.EqualTo(1.0));
        Assert.That(h.Value(row, "TYPE_dist"), Is.EqualTo(1L));

        h.AddCustomers(CustomerJson("1", 120));
        var third = h.ProcessAvailable();
        Assert.That(third.Single().LateRowsDropped, Is.EqualTo(1), "a customer row @120 after watermark 125 is late");
        Assert.That(h.Joined, Has.Count.EqualTo(1));
    }

    [Test]
    public void A_customer_at_the_window_end_joins_because_the_join_end_is_inclusive()
    {
        using var h = new StreamHarness();
        h.AddBureau(BureauJson("1", 100));
        h.AddCustomers(CustomerJson("1", 100));
        h.ProcessAvailable();
        h.AddBureau(BureauJson("2", 130));
        h.AddCustomers(CustomerJson("2", 130), CustomerJson("1", 120));
        h.ProcessAvailable();
        Assert.That(h.Joined.Select(j => h.Value(j.Row, "ts")), Is.EquivalentTo(new object[] { T(100), T(120) }));
    }

    [Test]
    public void Late_bureau_rows_are_judged_by_their_window_and_counted()
    {
        using var h = new StreamHarness();
        h.AddBureau(BureauJson("1", 100));
        h.AddCustomers(CustomerJson("1", 100));
        h.ProcessAvailable();
        h.AddBureau(BureauJson("1", 130));
        h.AddCustomers(CustomerJson("1", 130));
        h.ProcessAvailable();
        Assert.That(h.Watermark, Is.EqualTo(T(125)));

        // @110 belongs to [90,120), closed at watermark 125: dropped. @121 belongs to [120,150), still open:
        // Spark judges a windowed aggregation's input by its window's end, so it is kept.
        h.AddBureau(BureauJson("1", 110, amt: "1000"), BureauJson("1", 121, amt: "7"));
        var late = h.ProcessAvailable();
        Assert.That(late[0].LateRowsDropped, Is.EqualTo(1));
        Assert.That(late[0].StateOperators.Sum(s => s.NumRowsDroppedByWatermark), Is.EqualTo(1));

        h.AddBureau(BureauJson("9", 200));
        h.AddCustomers(CustomerJson("9", 200));
        h.ProcessAvailable();
        var window120 = h.Joined.Single(j => (DateTimeOffset)h.Value(j.Row, "window_start")! == T(120));
        Assert.That(h.Value(window120.Row, "AMT_sum"), Is.EqualTo(8.0), "1 @130 + 7 @121; the late 1000 never counted");
        Assert.That(h.Joined.Sum(j => (double)h.Value(j.Row, "AMT_sum")!), Is.EqualTo(1 + 8.0));
    }

    [Test]
    public void Several_windows_close_in_one_batch()
    {
        using var h = new StreamHarness();
        h.AddBureau(BureauJson("1", 10));
        h.AddCustomers(CustomerJson("1", 10));
        h.ProcessAvailable();
        // Customers say nothing new, so the global watermark stays at 5 while bureau windows pile up.
        h.AddBureau(BureauJson("2", 40), BureauJson("3", 70));
        h.ProcessAvailable();
        Assert.That(h.Joined, Is.Empty);
        h.AddBureau(BureauJson("4", 300));
        h.AddCustomers(CustomerJson("2", 45), CustomerJson("3", 75), CustomerJson("4", 300));
        var batches = h.ProcessAvailable();
        Assert.That(h.Joined.Select(j => h.Value(j.Row, "ID")), Is.EquivalentTo(new[] { "1", "2", "3" }));
        Assert.That(h.Joined.Select(j => j.BatchId).Distinct().Single(), Is.EqualTo(batches.Last().BatchId),
            "all three windows are emitted by the same no-data batch");
        Assert.That(batches.Last().NumInputRows, Is.Zero);
    }

    [Test]
    public void The_global_watermark_is_the_minimum_so_an_idle_input_holds_everything_back()
    {
        using var h = new StreamHarness();
        h.AddBureau(BureauJson("1", 10));
        h.ProcessAvailable();
        h.AddBureau(BureauJson("1", 500));
        var batches = h.ProcessAvailable();
        Assert.That(h.Watermark, Is.Null, "customers never had data, so there is no global watermark");
        Assert.That(batches, Has.Count.EqualTo(1), "no no-data batch without a watermark");
        Assert.That(h.Progress.Last().StateOperators.Sum(s => s.NumRowsTotal), Is.EqualTo(2), "both windows still open");

        h.AddCustomers(CustomerJson("1", 20));
        h.ProcessAvailable();
        Assert.That(h.Watermark, Is.EqualTo(T(15)), "min(bureau 495, customer 15)");
        h.AddCustomers(CustomerJson("1", 700));
        h.ProcessAvailable();
        Assert.That(h.Watermark, Is.EqualTo(T(495)));
        Assert.That(h.Joined.Select(j => (h.Value(j.Row, "window_start"), h.Value(j.Row, "ts"))),
            Is.EqualTo(new[] { ((object?)T(0), (object?)T(20)) }));
    }

    [Test]
    public void Customers_without_bureau_rows_produce_nothing_and_leave_state()
    {
        using var h = new StreamHarness();
        h.AddCustomers(CustomerJson("7", 100));
        h.AddBureau(BureauJson("1", 100));
        h.ProcessAvailable();
        h.AddCustomers(CustomerJson("1", 200));
        h.AddBureau(BureauJson("1", 200));
        h.ProcessAvailable();
        Assert.That(h.Joined.Select(j => h.Value(j.Row, "ID")), Has.None.EqualTo("7"));
        var joinState = h.Progress.Last().StateOperators.Single(s => s.OperatorName.Contains("join"));
        Assert.That(joinState.NumRowsTotal, Is.EqualTo(1), "only the customer @200 remains; @100 < 195 − 30 was evicted");
    }

    [Test]
    public void An_id_in_a_later_window_joins_its_own_customers_once_each()
    {
        using var h = new StreamHarness();
        h.AddBureau(BureauJson("1", 10, type: "A"), BureauJson("1", 12, type: "B"));
        h.AddCustomers(CustomerJson("1", 10));
        h.ProcessAvailable();
        h.AddBureau(BureauJson("1", 70, type: "A"));
        h.AddCustomers(CustomerJson("1", 70));
        h.ProcessAvailable();
        h.AddBureau(BureauJson("2", 400));
        h.AddCustomers(CustomerJson("2", 400));
        h.ProcessAvailable();
        var rows = h.Joined.Select(j => (Start: h.Value(j.Row, "window_start"), Ts: h.Value(j.Row, "ts"), Dist: h.Value(j.Row, "TYPE_dist"), Sum: h.Value(j.Row, "AMT_sum")))
            .OrderBy(r => (DateTimeOffset)r.Start!).ToList();
        Assert.That(rows, Is.EqualTo(new[]
        {
            ((object?)T(0), (object?)T(10), (object?)2L, (object?)2.0),
            (T(60), T(70), 1L, 1.0),
        }));
    }

    [Test]
    public void Nulls_and_invalid_values_are_skipped_by_sum_and_distinct_and_counted()
    {
        using var h = new StreamHarness();
        h.AddBureau(BureauJson("1", 10, amt: "", type: ""), BureauJson("1", 11, amt: "Unknown", type: "A"), BureauJson("2", 12, amt: "1,20,000", type: ""));
        h.AddCustomers(CustomerJson("1", 10), CustomerJson("2", 12));
        var first = h.ProcessAvailable();
        Assert.That(first[0].InvalidValues, Is.EqualTo(1), "'Unknown' is not a number");
        h.AddBureau(BureauJson("3", 300));
        h.AddCustomers(CustomerJson("3", 300));
        h.ProcessAvailable();
        var byId = h.Joined.ToDictionary(j => (string)h.Value(j.Row, "ID")!, j => j.Row);
        Assert.That(h.Value(byId["1"], "AMT_sum"), Is.Null, "every AMT of ID 1 was null");
        Assert.That(h.Value(byId["1"], "TYPE_dist"), Is.EqualTo(1L));
        Assert.That(h.Value(byId["2"], "AMT_sum"), Is.EqualTo(120000.0));
        Assert.That(h.Value(byId["2"], "TYPE_dist"), Is.EqualTo(0L));
    }

    [Test]
    public void Bad_messages_go_to_the_dead_letters_with_a_reason_and_the_rest_goes_on()
    {
        using var h = new StreamHarness();
        var bureauInFuture = BureauJson("1", 10).Replace($"\"ts\":\"{Ts(10)}\"", "\"ts\":\"5000000000\"");
        var bureauWithoutTime = BureauJson("1", 10).Replace($"\"ts\":\"{Ts(10)}\"", "\"ts\":\"soon\"");
        h.AddBureau("{not json", BureauJson("", 10), bureauInFuture, bureauWithoutTime, BureauJson("1", 10));
        h.AddCustomers("""{"ID":"1","ts":"1"}""", CustomerJson("1", 10));
        var batch = h.ProcessAvailable().Single();
        Assert.That(batch.DeadLetters, Is.EqualTo(5));
        Assert.That(h.DeadLetters.Select(d => d.Reason), Has.Some.Contains("malformed JSON"));
        Assert.That(h.DeadLetters.Select(d => d.Reason), Has.Some.Contains("empty key column 'ID'"));
        Assert.That(h.DeadLetters.Select(d => d.Reason), Has.Some.StartsWith("event time '5000000000' is not a Unix time in seconds within ["));
        Assert.That(h.DeadLetters.Select(d => d.Reason), Has.Some.StartsWith("event time 'soon' is not a Unix time in seconds"));
        Assert.That(h.DeadLetters.Single(d => d.Reason.Contains("'soon'")).Value, Is.EqualTo(Encoding.UTF8.GetBytes(bureauWithoutTime)));
        Assert.That(h.DeadLetters.Select(d => d.Reason), Has.Some.Contains("missing column(s): 'State'"));
        Assert.That(h.DeadLetters.Single(d => d.Reason.Contains("malformed")).Value, Is.EqualTo("{not json"u8.ToArray()));
        Assert.That(batch.StateOperators.Sum(s => s.NumRowsTotal), Is.EqualTo(2), "the good bureau window and the good customer are in state");
    }

    [Test]
    public void Flush_at_end_emits_the_open_windows_of_a_bounded_run()
    {
        using var h = new StreamHarness(flushAtEnd: true);
        h.AddBureau(BureauJson("1", 10));
        h.AddCustomers(CustomerJson("1", 10));
        var batches = h.ProcessAvailable();
        Assert.That(batches, Has.Count.EqualTo(2));
        Assert.That(batches[1].EventTime["watermark"], Is.EqualTo("flushed"));
        Assert.That(h.Joined, Has.Count.EqualTo(1));
    }

    [Test]
    public void Max_records_per_trigger_splits_the_backlog_into_batches_with_the_same_result()
    {
        using var whole = new StreamHarness();
        using var split = new StreamHarness(maxRecordsPerTrigger: 2);
        foreach (var h in new[] { whole, split })
        {
            h.AddBureau(BureauJson("1", 10), BureauJson("1", 11), BureauJson("2", 12), BureauJson("1", 100), BureauJson("3", 400));
            h.AddCustomers(CustomerJson("1", 10), CustomerJson("2", 12), CustomerJson("1", 100), CustomerJson("3", 400));
            h.ProcessAvailable();
        }
        Assert.That(split.Progress.Count(p => p.NumInputRows > 0), Is.GreaterThanOrEqualTo(3));
        Assert.That(split.Progress.Max(p => p.Sources.Max(s => s.NumInputRows)), Is.LessThanOrEqualTo(2));
        static IEnumerable<string> Rows(StreamHarness h) => h.Joined.Select(j => string.Join("|", j.Row)).Order();
        Assert.That(Rows(split), Is.EqualTo(Rows(whole)));
    }
}
