using System.Text;
using NUnit.Framework;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Progress;
using TopUpSpark.Streaming.Sources;
using TopUpSpark.TestSupport;
using static TopUpSpark.Streaming.Tests.StreamHarness;

namespace TopUpSpark.Streaming.Tests;

/// <summary>
/// What a batch holds, and for how long. The engine hands a batch's record bytes back to the pool as soon
/// as its decodes have run, and lets an operator's rows go once the last operator reading them has run.
/// Whatever still reads them must see every byte of every record, in every batch. And what a batch cost the
/// process besides its time: the garbage it leaves, the CPU time it took.
/// </summary>
public class BatchLifetimeTests
{
    [Test]
    public void Raw_rows_read_beside_a_decode_keep_their_bytes_to_the_end_of_the_batch()
    {
        string[] messages = [CustomerJson("1", 1), CustomerJson("2", 2, "KERALA"), CustomerJson("3", 3), CustomerJson("4", 4), CustomerJson("5", 5)];
        var decodedIds = new List<string>();
        var projectedValues = new List<string>();
        var rawValues = new List<string>();
        // Three batches, the later ones read ahead.
        RunAvailableNow(messages, maxRecordsPerTrigger: 2, scanned =>
        {
            scanned.ParseJson(Customer, "ts").ForeachBatch("decoded", (rows, schema, _) => decodedIds.AddRange(rows.Select(r => (string)r[schema.Ordinal("ID")]!)));
            scanned.Select("value").ForeachBatch("projected", (rows, _, _) => projectedValues.AddRange(rows.Select(r => Encoding.UTF8.GetString((byte[])r[0]!))));
            scanned.ForeachBatch("raw", (rows, schema, _) => rawValues.AddRange(rows.Select(r => Encoding.UTF8.GetString((byte[])r[schema.Ordinal("value")]!))));
        });

        Assert.That(decodedIds, Is.EqualTo(new[] { "1", "2", "3", "4", "5" }));
        Assert.That(projectedValues, Is.EqualTo(messages));
        Assert.That(rawValues, Is.EqualTo(messages));
    }

    [Test]
    public void The_next_batch_is_read_ahead_once_and_only_after_this_batchs_bytes_went_back_to_the_pool()
    {
        string[] messages = [CustomerJson("1", 1), CustomerJson("2", 2), CustomerJson("3", 3), CustomerJson("4", 4), CustomerJson("5", 5)];
        ReadRecordingSource? source = null;
        var decodedIds = new List<string>();
        RunAvailableNow(messages, maxRecordsPerTrigger: 1, scanned =>
            scanned.ParseJson(Customer, "ts").ForeachBatch("decoded", (rows, schema, _) => decodedIds.AddRange(rows.Select(r => (string)r[schema.Ordinal("ID")]!))),
            wrapSource: memory => source = new ReadRecordingSource(memory));

        Assert.That(decodedIds, Is.EqualTo(new[] { "1", "2", "3", "4", "5" }));
        Assert.That(source!.Reads, Has.Count.EqualTo(messages.Length), "each batch's records are read once: from the second on, ahead");
        Assert.That(source.Reads.Skip(1), Has.All.True, "a read began while the previous batch still held its bytes");
    }

    [Test]
    public void Rows_that_no_later_operator_or_sink_reads_are_collectable_while_the_sinks_run()
    {
        var decodedRows = new List<WeakReference<object?[]>>();
        var written = new List<string>();
        var decodedRowsAliveInSink = -1;
        var id = Customer.Columns.Select(c => c.Name).ToList().IndexOf("ID");
        RunAvailableNow(Enumerable.Range(1, 5).Select(i => CustomerJson(i.ToString(), i)).ToArray(), maxRecordsPerTrigger: null, scanned =>
            scanned.ParseJson(Customer, "ts")
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
                }));

        Assert.That(written, Is.EqualTo(new[] { "1" }));
        Assert.That(decodedRows, Has.Count.EqualTo(5));
        Assert.That(decodedRowsAliveInSink, Is.EqualTo(1), "only the row the sink writes is still reachable");
    }

    [Test]
    public void A_batch_after_much_allocation_collects_its_garbage_before_it_reports_and_a_small_one_does_not()
    {
        var collectionsAfterSinks = new Dictionary<long, int>();
        var reports = new List<(long Batch, bool Reported, bool Collected)>();
        RunAvailableNow(Enumerable.Range(1, 3).Select(i => CustomerJson(i.ToString(), i)).ToArray(), maxRecordsPerTrigger: 2, scanned =>
            scanned.ParseJson(Customer, "ts").ForeachBatch("allocate", (_, _, batch) =>
            {
                var batchId = batch.BatchId;
                // What a batch of tens of thousands of rows allocates, in one piece.
                if (batchId == 0) GC.KeepAlive(new byte[40 * 1024 * 1024]);
                collectionsAfterSinks[batchId] = GC.CollectionCount(0);
            }),
            progress => reports.Add((progress.BatchId, progress.DurationMs.ContainsKey("collectGarbage"),
                GC.CollectionCount(0) > collectionsAfterSinks[progress.BatchId])));

        Assert.That(reports.Select(r => r.Batch), Is.EqualTo(new[] { 0L, 1L }));
        Assert.That(reports[0].Reported && reports[0].Collected, Is.True, "batch 0 allocated 40 MiB: it collects before it reports");
        Assert.That(reports[1].Reported, Is.False, "batch 1 allocated little");
    }

    [Test]
    public void Each_batch_reports_the_cpu_time_the_process_spent_while_it_ran()
    {
        var reports = new List<QueryProgress>();
        RunAvailableNow(Enumerable.Range(1, 3).Select(i => CustomerJson(i.ToString(), i)).ToArray(), maxRecordsPerTrigger: 2, scanned =>
            scanned.ParseJson(Customer, "ts").ForeachBatch("work", (_, _, batch) =>
            {
                // Batch 0 works until the process has spent 300 ms more of CPU time: on a busy machine that may take longer.
                if (batch.BatchId != 0) return;
                var start = Environment.CpuUsage.TotalTime;
                while (Environment.CpuUsage.TotalTime - start < TimeSpan.FromMilliseconds(300)) Thread.SpinWait(1_000);
            }),
            reports.Add);

        Assert.That(reports, Has.Count.EqualTo(2));
        var cpu = reports.Select(r => r.Metrics.GetValueOrDefault(QueryProgress.ProcessCpuMetric)).ToList();
        Assert.That(cpu[0], Is.GreaterThanOrEqualTo(300), "the batch that worked reports that work");
        foreach (var (report, millis) in reports.Zip(cpu))
            Assert.That(millis, Is.LessThanOrEqualTo((report.DurationMs["triggerExecution"] + 20) * Environment.ProcessorCount),
                $"batch {report.BatchId}: no process spends more CPU time than its cores have in the batch's time");
        Assert.That(cpu[1], Is.LessThan(cpu[0] - 200), "a batch of two rows costs a fraction of the one that worked");
    }

    /// <summary>Runs the query <paramref name="build"/> declares over a customer source holding <paramref name="messages"/>, available-now.</summary>
    private static void RunAvailableNow(string[] messages, long? maxRecordsPerTrigger, Action<StreamFrame> build,
        Action<QueryProgress>? onProgress = null, Func<MemorySource, IStreamSource>? wrapSource = null)
    {
        var directory = RepositoryRoot.NewScratchDirectory("batch-lifetime");
        try
        {
            var memory = new MemorySource("customer");
            memory.AddBatch(messages.Select(m => ((string?)null, m)));
            var source = wrapSource?.Invoke(memory) ?? memory;
            var session = StreamingSession.CreateBuilder().AppName("lifetime").Master("local[2]").GetOrCreate();
            build(session.Read("customer", source));
            using var query = session.Start(new StreamingQueryOptions
            {
                Name = "lifetime",
                CheckpointLocation = Path.Combine(directory, "checkpoint"),
                Trigger = new Trigger.AvailableNow(),
                MaxRecordsPerTrigger = maxRecordsPerTrigger,
            });
            if (onProgress is not null) query.Progress += onProgress;
            query.RunAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A source that notes, for each read, whether every batch read before had given its bytes back by then.</summary>
    private sealed class ReadRecordingSource(IStreamSource inner) : IStreamSource
    {
        private readonly List<SourceRecords> _returned = [];

        public List<bool> Reads { get; } = [];

        public SourceRecords Read(SourceOffsets from, SourceOffsets to, CancellationToken cancel)
        {
            lock (_returned) Reads.Add(_returned.All(records => records.Count == 0));
            var records = inner.Read(from, to, cancel);
            lock (_returned) _returned.Add(records);
            return records;
        }

        public string Description => inner.Description;
        public long LostRecords => inner.LostRecords;
        public IReadOnlyList<int> Partitions() => inner.Partitions();
        public SourceOffsets InitialOffsets(IReadOnlyCollection<int> partitions) => inner.InitialOffsets(partitions);
        public SourceOffsets EndOffsets(IReadOnlyCollection<int> partitions) => inner.EndOffsets(partitions);
        public SourceOffsets LatestOffsets(SourceOffsets from, long? maxRecords, SourceOffsets? upTo = null) => inner.LatestOffsets(from, maxRecords, upTo);
        public void Prepare(SourceOffsets from) => inner.Prepare(from);
        public void Dispose() => inner.Dispose();
    }
}
