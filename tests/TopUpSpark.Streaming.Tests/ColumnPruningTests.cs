using NUnit.Framework;
using TopUpSpark.Core.Schema;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Operators;
using TopUpSpark.Streaming.Progress;
using TopUpSpark.Streaming.Sinks;
using TopUpSpark.Streaming.Sources;
using TopUpSpark.TestSupport;
using static TopUpSpark.Streaming.Tests.StreamHarness;

namespace TopUpSpark.Streaming.Tests;

/// <summary>
/// Columns no sink reads are neither decoded nor aggregated (as Spark's optimizer prunes them), yet what
/// the sinks get is unchanged and every message is still checked against the whole contract.
/// </summary>
public class ColumnPruningTests
{
    private static readonly DatasetSchema Loans = new("loans", "ID",
    [
        new ColumnSpec("ID", ColumnType.String), new ColumnSpec("AMT", ColumnType.Number),
        new ColumnSpec("FEE", ColumnType.Number), new ColumnSpec("TYPE", ColumnType.String),
    ]);

    private static string Loan(string id, int ts, string amt, string fee, string type = "A") =>
        System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["ID"] = id, ["AMT"] = amt, ["FEE"] = fee, ["TYPE"] = type, ["ts"] = Ts(ts) });

    private sealed record Run(List<object?[]> Rows, List<QueryProgress> Progress, List<DeadLetter> DeadLetters);

    private static Run Aggregate(IEnumerable<string> messages, params string[] selected)
    {
        var directory = RepositoryRoot.NewScratchDirectory("pruning");
        try
        {
            var source = new MemorySource("loans");
            source.AddBatch(messages.Select(m => ((string?)null, m)));
            source.AddBatch([(null, Loan("late-closer", 100, "0", "0"))]);
            var session = StreamingSession.CreateBuilder().AppName("pruning").Master("local[2]").GetOrCreate();
            var run = new Run([], [], []);
            session.Read("loans", source).ParseJson(Loans, "ts").Cast(Bounds)
                .WithWatermark("ts", TimeSpan.FromSeconds(5), "loans")
                .GroupByWindow("ts", TimeSpan.FromSeconds(30), "ID",
                [
                    AggregateFunction.Sum("AMT", "AMT_sum"), AggregateFunction.Sum("FEE", "FEE_sum"),
                    AggregateFunction.CountDistinct("TYPE", "TYPE_dist"),
                ])
                .Select(selected)
                .ForeachBatch("collect", (rows, _, _) => run.Rows.AddRange(rows));
            using var query = session.Start(new StreamingQueryOptions
            {
                Name = "pruning",
                CheckpointLocation = Path.Combine(directory, "checkpoint"),
                Trigger = new Trigger.AvailableNow(),
                MaxRecordsPerTrigger = 3,
            }, new CollectingDeadLetters(run.DeadLetters));
            query.Progress += run.Progress.Add;
            query.RunAsync(CancellationToken.None).GetAwaiter().GetResult();
            return run;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed class CollectingDeadLetters(List<DeadLetter> into) : IDeadLetterSink
    {
        public void Send(TopUpSpark.Core.Messages.BatchPart batch, IReadOnlyCollection<DeadLetter> letters) => into.AddRange(letters);
    }

    private static readonly string[] Messages =
    [
        Loan("1", 1, "10", "not a number", "A"), Loan("1", 2, "5", "1", "B"), Loan("2", 3, "7", "2", "A"),
        """{"ID":"3","AMT":"1","TYPE":"A","ts":"1767225604"}""",
    ];

    [Test]
    public void Selecting_fewer_aggregates_gives_the_same_values_for_those_selected()
    {
        var all = Aggregate(Messages, "ID", "AMT_sum", "FEE_sum", "TYPE_dist");
        var pruned = Aggregate(Messages, "ID", "AMT_sum");
        Assert.That(pruned.Rows.Select(r => (r[0], r[1])), Is.EqualTo(all.Rows.Select(r => (r[0], r[1]))));
        Assert.That(pruned.Rows.Select(r => ((string)r[0]!, (double?)r[1])), Is.EqualTo(new[] { ("1", (double?)15.0), ("2", 7.0) }));
        Assert.That(all.Rows.Select(r => r[3]), Is.EqualTo(new object[] { 2L, 1L }), "distinct TYPEs when they are read");
    }

    [Test]
    public void Cells_of_unread_columns_are_not_cast_so_not_counted_invalid_but_the_contract_still_holds()
    {
        var all = Aggregate(Messages, "ID", "AMT_sum", "FEE_sum", "TYPE_dist");
        var pruned = Aggregate(Messages, "ID", "AMT_sum");
        Assert.That(all.Progress.Sum(p => p.InvalidValues), Is.EqualTo(1), "FEE 'not a number' is counted when FEE is read");
        Assert.That(pruned.Progress.Sum(p => p.InvalidValues), Is.Zero, "FEE is never cast when nothing reads it");
        foreach (var run in new[] { all, pruned })
        {
            Assert.That(run.DeadLetters.Select(d => d.Reason), Is.EqualTo(new[] { "missing column(s): 'FEE'" }),
                "a message without a column breaks the contract whether or not the column is read");
        }
    }
}
