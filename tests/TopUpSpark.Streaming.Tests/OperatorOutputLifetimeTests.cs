using NUnit.Framework;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Sources;
using TopUpSpark.TestSupport;
using static TopUpSpark.Streaming.Tests.StreamHarness;

namespace TopUpSpark.Streaming.Tests;

/// <summary>
/// Rows an operator produced are let go once the last operator reading them has run, so a long batch
/// does not keep, say, every decoded message alive while it writes its sinks.
/// </summary>
public class OperatorOutputLifetimeTests
{
    [Test]
    public void Rows_that_no_later_operator_or_sink_reads_are_collectable_while_the_sinks_run()
    {
        var directory = RepositoryRoot.NewScratchDirectory("output-lifetime");
        try
        {
            var source = new MemorySource("customer");
            source.AddBatch(Enumerable.Range(1, 5).Select(i => ((string?)null, CustomerJson(i.ToString(), i))));
            var session = StreamingSession.CreateBuilder().AppName("lifetime").Master("local[2]").GetOrCreate();
            var decodedRows = new List<WeakReference<object?[]>>();
            var written = new List<string>();
            var decodedRowsAliveInSink = -1;
            var id = Customer.Columns.Select(c => c.Name).ToList().IndexOf("ID");
            session.Read("customer", source).ParseJson(Customer, "ts")
                .Where("only ID 1", row =>
                {
                    lock (decodedRows) decodedRows.Add(new WeakReference<object?[]>(row));
                    return (string?)row[id] == "1";
                })
                .ForeachBatch("check", (rows, _, _) =>
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    GC.Collect();
                    decodedRowsAliveInSink = decodedRows.Count(w => w.TryGetTarget(out _));
                    written.AddRange(rows.Select(r => (string)r[id]!));
                });
            using var query = session.Start(new StreamingQueryOptions
            {
                Name = "lifetime",
                CheckpointLocation = Path.Combine(directory, "checkpoint"),
                Trigger = new Trigger.AvailableNow(),
            });
            query.RunAsync(CancellationToken.None).GetAwaiter().GetResult();

            Assert.That(written, Is.EqualTo(new[] { "1" }));
            Assert.That(decodedRows, Has.Count.EqualTo(5));
            Assert.That(decodedRowsAliveInSink, Is.EqualTo(1), "only the row the sink writes is still reachable");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
