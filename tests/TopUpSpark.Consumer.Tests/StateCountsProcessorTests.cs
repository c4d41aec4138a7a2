using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using TopUpSpark.Consumer.Dashboard;
using TopUpSpark.Consumer.Tests.Support;
using TopUpSpark.Consumer.Text;
using TopUpSpark.Core.Messages;
using TopUpSpark.Web.Figures;
using TopUpSpark.Web.Map;

namespace TopUpSpark.Consumer.Tests;

public class StateCountsProcessorTests
{
    private static readonly IndiaMap Map = IndiaMap.Load();
    private DashboardState _state = null!;
    private StateCountsProcessor _processor = null!;
    private CapturingLoggerProvider _logs = null!;
    private ILoggerFactory _loggers = null!;
    private ManualClock _clock = null!;

    [SetUp]
    public void SetUp()
    {
        (_loggers, _logs) = CapturingLoggerProvider.CreateFactory();
        _clock = new ManualClock(new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero));
        _state = new DashboardState("topup-by-state", "127.0.0.1:9092", "test-group", historyCapacity: 3, DateTimeOffset.UnixEpoch);
        _processor = new StateCountsProcessor(_state, StateAliasTable.Load(StateAliasTable.DefaultPath, Map.RegionNames),
            ConsumerOptions.DefaultMaxWindowAhead, _loggers.CreateLogger("messages"), _clock);
    }

    [TearDown]
    public void TearDown() => _loggers.Dispose();

    private bool Process(string? key, string value, Headers? headers = null, string source = "topup-by-state[0]@7") =>
        _processor.Process(key is null ? null : Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value), headers, source);

    private static readonly Guid JobQuery = Guid.Parse("0d7c4f4e-3f5e-4c61-9a57-2b1f0e6a8c11");

    private static Headers Part(long batchId, params int[] tasks) => PartOf(JobQuery, batchId, tasks);

    private static Headers PartOf(Guid query, long batchId, params int[] tasks) => new BatchPart(query, "topup-by-state", batchId, tasks).ToHeaders();

    [TestCase("2024-05-01 10:00:30", "{\"State\": \"GUJARAT\", ", "value is not valid JSON")]
    [TestCase("2024-05-01 10:00:30", """{"State":"GUJARAT","count":3}""", "value is not a JSON array")]
    [TestCase("2024-05-01 10:00:30", """[{"State":"GUJARAT","count":-2}]""", "count -2 of state 'GUJARAT' is not a non-negative integer")]
    [TestCase("2024-05-01 10:00:30", """[{"State":"GUJARAT","count":2.5}]""", "count 2.5 of state 'GUJARAT' is not a non-negative integer")]
    [TestCase("2024-05-01 10:00:30", """[{"State":"GUJARAT","count":"3"}]""", "is not {\"State\": string, \"count\": number}")]
    [TestCase("2024-05-01 10:00:30", """[{"State":"","count":3}]""", "element has an empty State")]
    [TestCase("yesterday", """[{"State":"GUJARAT","count":3}]""", "key 'yesterday' is not a window end")]
    [TestCase(null, """[{"State":"GUJARAT","count":3}]""", "key '' is not a window end")]
    public void A_message_that_breaks_the_contract_is_rejected_with_a_log_line_that_says_why(string? key, string value, string reason)
    {
        Assert.That(Process(key, value), Is.False);

        var warning = _logs.At(LogLevel.Warning).Single();
        Assert.That(warning, Does.StartWith("rejected message topup-by-state[0]@7 with key").And.Contain(reason));
        var status = _state.Current.Status;
        Assert.That(status.MessagesRejected, Is.EqualTo(1));
        Assert.That(status.MessagesAccepted, Is.Zero);
        Assert.That(status.RecentRejections.Single().Reason, Does.Contain(reason));
        Assert.That(status.RecentRejections.Single().Source, Is.EqualTo("topup-by-state[0]@7"));
    }

    [Test]
    public void A_rejected_message_leaves_the_window_on_the_map_as_it_was()
    {
        Process("2024-05-01 10:00:30", """[{"State":"GUJARAT","count":3}]""");
        var before = _state.Current;
        Process("2024-05-01 10:01:00", """[{"State":"GUJARAT","count":-1}]""");

        var after = _state.Current;
        Assert.That(after.Window, Is.SameAs(before.Window));
        Assert.That(after.WindowVersion, Is.EqualTo(before.WindowVersion));
        Assert.That(after.DataVersion, Is.GreaterThan(before.DataVersion), "a rejection is news for the page and the snapshot");
    }

    [Test]
    public void A_state_that_matches_no_region_is_kept_shown_counted_and_logged_once()
    {
        Assert.That(Process("2024-05-01 10:00:30", """[{"State":"GUJARAT","count":3},{"State":"ATLANTIS","count":2}]"""), Is.True);
        Process("2024-05-01 10:01:00", """[{"State":"ATLANTIS","count":1}]""");

        var window = _state.Current.Window!;
        Assert.That(window.Unmatched, Is.EqualTo(new[] { new UnmatchedState("ATLANTIS", 1) }));
        Assert.That(window.Total, Is.EqualTo(1), "unmatched counts are part of the total");
        Assert.That(_state.Current.History.Select(h => h.Total), Is.EqualTo(new long[] { 5, 1 }));
        var warnings = _logs.At(LogLevel.Warning).ToList();
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0], Does.Contain("state ATLANTIS (count 2) in window 2024-05-01 10:00:30 matches no region of the map"));
    }

    [Test]
    public void Old_and_new_spellings_of_a_state_add_up_in_its_region()
    {
        Process("2024-05-01 10:00:30", """[{"State":"ORISSA","count":2},{"State":"ODISHA","count":3},{"State":"GUJARAT","count":1}]""");

        var regions = _state.Current.Window!.Regions;
        Assert.That(regions.Select(r => (r.Region, r.Count)), Is.EqualTo(new[] { ("Odisha", 5L), ("Gujarat", 1L) }));
        Assert.That(regions[0].DataNames, Is.EqualTo(new[] { "ODISHA", "ORISSA" }));
    }

    [Test]
    public void The_map_keeps_the_newest_window_adds_later_messages_of_it_and_abandons_older_ones()
    {
        Process("2024-05-01 10:00:30", """[{"State":"GUJARAT","count":3}]""");
        Process("2024-05-01 10:01:00", """[{"State":"KERALA","count":4}]""");
        Assert.That(_state.Current.Window!.Regions.Select(r => r.Region), Is.EqualTo(new[] { "Kerala" }), "a newer window replaces the older");

        Process("2024-05-01 10:01:00", """[{"State":"KERALA","count":1},{"State":"GOA","count":2}]""");
        var merged = _state.Current.Window!;
        Assert.That(merged.Regions.Select(r => (r.Region, r.Count)), Is.EqualTo(new[] { ("Kerala", 5L), ("Goa", 2L) }));
        Assert.That(merged.Messages, Is.EqualTo(2));

        var windowVersion = _state.Current.WindowVersion;
        Process("2024-05-01 10:00:00", """[{"State":"BIHAR","count":9}]""");
        var afterLate = _state.Current;
        Assert.That(afterLate.Window, Is.SameAs(merged), "a late window does not replace the newer one on the map");
        Assert.That(afterLate.WindowVersion, Is.EqualTo(windowVersion));
        Assert.That(afterLate.Status.LateWindows, Is.EqualTo(1));
        Assert.That(afterLate.History.Select(h => (h.WindowEnd.ToString("HH:mm:ss"), h.Total)),
            Is.EqualTo(new[] { ("10:00:00", 9L), ("10:00:30", 3L), ("10:01:00", 7L) }), "the history chart still gets it, in window order");
        Assert.That(_logs.At(LogLevel.Information), Has.Some.Contains("late window 2024-05-01 10:00:00 (9 top-ups)").And.Contains("abandoned for the map"));
    }

    [Test]
    public void The_history_keeps_the_last_n_windows()
    {
        foreach (var second in new[] { "00", "30" })
        foreach (var minute in new[] { "10", "11" })
            Process($"2024-05-01 10:{minute}:{second}", """[{"State":"GOA","count":1}]""");

        Assert.That(_state.Current.History.Select(h => h.WindowEnd.ToString("mm:ss")), Is.EqualTo(new[] { "10:30", "11:00", "11:30" }));
    }

    private const long LargestExactCount = 9_007_199_254_740_991;

    [TestCase("""[{"State":"GUJARAT","count":9223372036854775807},{"State":"KERALA","count":1}]""",
        "count of state 'GUJARAT' is 9,223,372,036,854,775,807, beyond 9,007,199,254,740,991 (2^53−1)")]
    [TestCase("""[{"State":"GUJARAT","count":9007199254740992}]""",
        "count of state 'GUJARAT' is 9,007,199,254,740,992, beyond 9,007,199,254,740,991 (2^53−1)")]
    [TestCase("""[{"State":"GUJARAT","count":4503599627370496},{"State":"KERALA","count":4503599627370496}]""",
        "the message's counts add up to more than 9,007,199,254,740,991 (2^53−1)")]
    public void A_message_whose_counts_the_page_cannot_show_exactly_is_rejected_and_changes_nothing(string value, string reason)
    {
        Process("2024-05-01 10:00:30", """[{"State":"GUJARAT","count":3}]""");

        AssertRejectedAndNothingElseChanged("2024-05-01 10:00:30", value, reason);
    }

    [Test]
    public void A_message_that_would_take_the_windows_total_past_the_largest_exact_count_is_rejected()
    {
        Assert.That(Process("2024-05-01 10:00:30", $$"""[{"State":"GOA","count":{{LargestExactCount}}}]"""), Is.True,
            "2^53−1 itself is shown exactly");

        AssertRejectedAndNothingElseChanged("2024-05-01 10:00:30", """[{"State":"KERALA","count":1}]""",
            "the total of window 2024-05-01 10:00:30 on the map would be 9,007,199,254,740,992, beyond 9,007,199,254,740,991 (2^53−1)");
        Assert.That(_state.Current.Window!.Total, Is.EqualTo(LargestExactCount));
    }

    [Test]
    public void A_late_message_that_would_take_its_windows_total_in_the_history_past_the_largest_exact_count_is_rejected()
    {
        Process("2024-05-01 10:01:00", """[{"State":"GOA","count":1}]""");
        Assert.That(Process("2024-05-01 10:00:30", $$"""[{"State":"GOA","count":{{LargestExactCount}}}]"""), Is.True);

        AssertRejectedAndNothingElseChanged("2024-05-01 10:00:30", """[{"State":"KERALA","count":1}]""",
            "the total of window 2024-05-01 10:00:30 in the history would be 9,007,199,254,740,992, beyond 9,007,199,254,740,991 (2^53−1)");
        Assert.That(_state.Current.History.Select(h => h.Total), Is.EqualTo(new[] { LargestExactCount, 1L }));
    }

    private void AssertRejectedAndNothingElseChanged(string key, string value, string reason) =>
        AssertRejectedAndNothingElseChanged(key, value, headers: null, reason);

    private void AssertRejectedAndNothingElseChanged(string key, string value, Headers? headers, string reason)
    {
        var before = _state.Current;

        Assert.That(Process(key, value, headers), Is.False);

        var after = _state.Current;
        Assert.That(after.Window, Is.SameAs(before.Window), "the map keeps its window");
        Assert.That(after.WindowVersion, Is.EqualTo(before.WindowVersion));
        Assert.That(after.History, Is.EqualTo(before.History), "the history keeps its totals");
        Assert.That(after.Status.MessagesAccepted, Is.EqualTo(before.Status.MessagesAccepted));
        Assert.That(after.Status.MessagesRejected, Is.EqualTo(before.Status.MessagesRejected + 1));
        Assert.That(after.Status.RecentRejections[0].Reason, Does.Contain(reason));
        Assert.That(_logs.At(LogLevel.Warning).Last(), Does.StartWith("rejected message").And.Contain(reason));
    }

    [Test]
    public void A_key_that_is_not_utf8_is_rejected_as_such()
    {
        Assert.That(_processor.Process([0x32, 0x30, 0xff, 0xfe], """[{"State":"GUJARAT","count":3}]"""u8, headers: null, "topup-by-state[1]@4"), Is.False);

        Assert.That(_state.Current.Status.RecentRejections.Single().Reason, Is.EqualTo("key is not UTF-8 text"));
        Assert.That(_logs.At(LogLevel.Warning).Single(), Does.StartWith("rejected message topup-by-state[1]@4 with key 20\ufffd\ufffd: key is not UTF-8 text"));
    }

    [Test]
    public void A_state_name_that_is_not_text_is_rejected_with_the_reason_and_the_dashboard_goes_on()
    {
        // An escaped lone surrogate is valid JSON but no string System.Text.Json can produce.
        Assert.That(Process("2024-05-01 10:00:30", """[{"State":"\ud800","count":3}]"""), Is.False);
        Assert.That(Process("2024-05-01 10:01:00", """[{"State":"GOA","count":2}]"""), Is.True);

        var status = _state.Current.Status;
        Assert.That(status.RecentRejections.Single().Reason, Does.StartWith("value holds a string that is not valid text"));
        Assert.That(status.MessagesAccepted, Is.EqualTo(1));
        Assert.That(_state.Current.Window!.Total, Is.EqualTo(2));
    }

    [TestCase(true, false)]
    [TestCase(false, true)]
    public void Of_a_megabyte_message_only_a_bounded_part_is_logged_and_shown(bool hugeKey, bool hugeValue)
    {
        var megabyte = new string('x', 1 << 20);
        var key = hugeKey ? "2024-05-01 10:00:30" + megabyte : "2024-05-01 10:00:30";
        var value = hugeValue ? $$"""[{"State":"GUJARAT","count":"{{megabyte}}"}]""" : """[{"State":"GUJARAT","count":3}]""";

        Assert.That(Process(key, value), Is.False);

        var reason = _state.Current.Status.RecentRejections.Single().Reason;
        Assert.That(reason, Does.StartWith(hugeKey ? "key '2024-05-01 10:00:30xxx" : "element {\"State\":\"GUJARAT\",\"count\":\"xxx"));
        Assert.That(reason, Has.Length.LessThanOrEqualTo(StateCountsProcessor.ReasonLength + 1));
        Assert.That(_logs.Lines.Select(l => l.Message.Length), Has.All.LessThan(2_000));
        Assert.That(TextDashboard.Render(_state.Current), Has.Length.LessThan(2_000));
    }

    [Test]
    public void A_window_far_in_the_future_is_rejected_and_cannot_hold_the_map()
    {
        Assert.That(Process("9999-12-31 23:59:59", """[{"State":"GOA","count":1}]"""), Is.False);
        Assert.That(Process("2024-05-01 11:59:30", """[{"State":"GUJARAT","count":3}]"""), Is.True);

        var current = _state.Current;
        Assert.That(current.Status.RecentRejections.Single().Reason, Is.EqualTo(
            "window end 9999-12-31 23:59:59 is more than 1d (--max-window-ahead) ahead of the dashboard's clock, 2024-05-01 12:00:00 UTC"));
        Assert.That(current.Window!.WindowEnd, Is.EqualTo(new DateTimeOffset(2024, 5, 1, 11, 59, 30, TimeSpan.Zero)));
        Assert.That(current.Status.LateWindows, Is.Zero);
        Assert.That(current.History.Select(h => h.Total), Is.EqualTo(new[] { 3L }));
    }

    [TestCase("2024-05-02 12:00:00", true)]
    [TestCase("2024-05-02 12:00:01", false)]
    [TestCase("2001-01-01 00:00:00", true)]
    public void A_window_may_end_up_to_the_allowed_time_ahead_of_the_clock_and_any_time_before_it(string windowEnd, bool accepted) =>
        Assert.That(Process(windowEnd, """[{"State":"GOA","count":1}]"""), Is.EqualTo(accepted));

    [Test]
    public void Whether_a_window_is_too_far_ahead_follows_the_dashboards_clock()
    {
        Assert.That(Process("2024-05-03 00:00:00", """[{"State":"GOA","count":1}]"""), Is.False);

        _clock.Now = new DateTimeOffset(2024, 5, 2, 0, 0, 0, TimeSpan.Zero);
        Assert.That(Process("2024-05-03 00:00:00", """[{"State":"GOA","count":1}]"""), Is.True);
    }

    private const string Window = "2024-05-01 10:00:30";

    [Test]
    public void A_batch_part_published_again_is_shown_once()
    {
        Assert.That(Process(Window, """[{"State":"GUJARAT","count":3}]""", Part(batchId: 5, 0, 1)), Is.True);
        Assert.That(Process(Window, """[{"State":"GUJARAT","count":3}]""", Part(batchId: 5, 1, 0)), Is.False);

        var current = _state.Current;
        Assert.That(current.Window!.Total, Is.EqualTo(3));
        Assert.That(current.Window.Messages, Is.EqualTo(1));
        Assert.That(current.History.Select(h => h.Total), Is.EqualTo(new[] { 3L }));
        Assert.That(current.Status.RepeatedPartsIgnored, Is.EqualTo(1));
        Assert.That(current.Status.MessagesAccepted, Is.EqualTo(1));
        Assert.That(current.Status.MessagesRejected, Is.Zero);
        Assert.That(_logs.At(LogLevel.Information).Where(l => l.Contains("repeats")).Single(), Does.StartWith(
            $"ignored window {Window} from topup-by-state[0]@7: it repeats query topup-by-state ({JobQuery:D}) batch 5 tasks 1,0, whose tasks were all counted"));
        Assert.That(_logs.At(LogLevel.Warning), Is.Empty);
    }

    [Test]
    public void A_repeated_part_of_a_late_window_stays_out_of_the_history()
    {
        Process("2024-05-01 10:01:00", """[{"State":"GOA","count":1}]""");
        Process(Window, """[{"State":"GUJARAT","count":3}]""", Part(batchId: 5, 2));
        Process(Window, """[{"State":"GUJARAT","count":3}]""", Part(batchId: 5, 2));

        var current = _state.Current;
        Assert.That(current.History.Select(h => h.Total), Is.EqualTo(new[] { 3L, 1L }));
        Assert.That(current.Status.LateWindows, Is.EqualTo(1));
        Assert.That(current.Status.RepeatedPartsIgnored, Is.EqualTo(1));
    }

    [Test]
    public void Parts_of_different_batches_add_up()
    {
        Assert.That(Process(Window, """[{"State":"GUJARAT","count":3}]""", Part(batchId: 5, 0)), Is.True);
        Assert.That(Process(Window, """[{"State":"GUJARAT","count":3}]""", Part(batchId: 6, 0)), Is.True);

        Assert.That(_state.Current.Window!.Total, Is.EqualTo(6));
        Assert.That(_state.Current.Status.RepeatedPartsIgnored, Is.Zero);
    }

    [Test]
    public void Two_tasks_of_one_batch_add_up_and_each_is_ignored_when_repeated()
    {
        Process(Window, """[{"State":"GUJARAT","count":3}]""", Part(batchId: 5, 0));
        Process(Window, """[{"State":"KERALA","count":4}]""", Part(batchId: 5, 1));
        Assert.That(_state.Current.Window!.Total, Is.EqualTo(7));

        Assert.That(Process(Window, """[{"State":"GUJARAT","count":3}]""", Part(batchId: 5, 0)), Is.False);
        Assert.That(Process(Window, """[{"State":"KERALA","count":4}]""", Part(batchId: 5, 1)), Is.False);
        Assert.That(_state.Current.Window!.Total, Is.EqualTo(7));
        Assert.That(_state.Current.Status.RepeatedPartsIgnored, Is.EqualTo(2));
    }

    [Test]
    public void The_same_batch_and_tasks_in_another_window_or_of_another_query_are_no_repeat()
    {
        Process(Window, """[{"State":"GUJARAT","count":3}]""", Part(batchId: 5, 0));
        Process("2024-05-01 10:01:00", """[{"State":"GUJARAT","count":3}]""", Part(batchId: 5, 0));
        Process("2024-05-01 10:01:00", """[{"State":"GUJARAT","count":4}]""", PartOf(Guid.Parse("a5e1a4b0-8d55-4a8e-9f2c-51d06f3b7a22"), batchId: 5, 0));

        Assert.That(_state.Current.History.Select(h => h.Total), Is.EqualTo(new[] { 3L, 7L }));
        Assert.That(_state.Current.Status.RepeatedPartsIgnored, Is.Zero);
    }

    [Test]
    public void A_part_with_some_tasks_counted_before_is_applied_with_a_warning_that_names_them()
    {
        Process(Window, """[{"State":"GUJARAT","count":3}]""", Part(batchId: 5, 0, 2));
        Assert.That(Process(Window, """[{"State":"GUJARAT","count":4}]""", Part(batchId: 5, 2, 1, 0)), Is.True);

        Assert.That(_state.Current.Window!.Total, Is.EqualTo(7));
        Assert.That(_state.Current.Status.RepeatedPartsIgnored, Is.Zero);
        Assert.That(_logs.At(LogLevel.Warning).Single(), Does.StartWith($"tasks 0,2 of window {Window} may be counted twice: query topup-by-state"));

        Assert.That(Process(Window, """[{"State":"GUJARAT","count":4}]""", Part(batchId: 5, 1)), Is.False, "every task of batch 5 is counted now");
    }

    [Test]
    public void Messages_of_producers_that_name_no_batch_part_are_all_applied()
    {
        Process(Window, """[{"State":"GUJARAT","count":3}]""");
        Process(Window, """[{"State":"GUJARAT","count":3}]""", []);

        Assert.That(_state.Current.Window!.Total, Is.EqualTo(6));
        Assert.That(_state.Current.Status.RepeatedPartsIgnored, Is.Zero);
    }

    [TestCase("not-a-query", "5", "0", "header query.id 'not-a-query' is not a query id")]
    [TestCase("0d7c4f4e-3f5e-4c61-9a57-2b1f0e6a8c11", "five", "0", "header batch.id 'five' is not a batch id")]
    [TestCase("0d7c4f4e-3f5e-4c61-9a57-2b1f0e6a8c11", "5", "0,x", "header tasks '0,x' is not a list of task numbers")]
    [TestCase("0d7c4f4e-3f5e-4c61-9a57-2b1f0e6a8c11", "5", "", "header tasks names no task")]
    public void A_message_with_malformed_batch_part_headers_is_rejected_with_the_reason(string queryId, string batchId, string tasks, string reason)
    {
        var headers = new Headers
        {
            { BatchPart.QueryIdHeader, Encoding.UTF8.GetBytes(queryId) },
            { BatchPart.BatchIdHeader, Encoding.UTF8.GetBytes(batchId) },
            { BatchPart.TasksHeader, Encoding.UTF8.GetBytes(tasks) },
        };

        AssertRejectedAndNothingElseChanged(Window, """[{"State":"GUJARAT","count":3}]""", headers, reason);
    }

    [Test]
    public void A_rejected_part_is_not_taken_for_applied()
    {
        Assert.That(Process("2024-05-03 00:00:00", """[{"State":"GUJARAT","count":3}]""", Part(batchId: 5, 0)), Is.False, "too far ahead of the clock");

        _clock.Now = new DateTimeOffset(2024, 5, 2, 12, 0, 0, TimeSpan.Zero);
        Assert.That(Process("2024-05-03 00:00:00", """[{"State":"GUJARAT","count":3}]""", Part(batchId: 5, 0)), Is.True);
        Assert.That(_state.Current.Status.RepeatedPartsIgnored, Is.Zero);
    }
}
