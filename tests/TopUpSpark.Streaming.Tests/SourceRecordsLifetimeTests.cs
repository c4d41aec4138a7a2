using System.Text;
using NUnit.Framework;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Sources;
using TopUpSpark.TestSupport;
using static TopUpSpark.Streaming.Tests.StreamHarness;

namespace TopUpSpark.Streaming.Tests;

/// <summary>
/// The engine hands a batch's record bytes back to the pool as soon as its decodes have run. Whatever
/// else reads a source's raw rows must still see every byte of every record, in every batch.
/// </summary>
public class SourceRecordsLifetimeTests
{
    [Test]
    public void Raw_rows_read_beside_a_decode_keep_their_bytes_to_the_end_of_the_batch()
    {
        var directory = RepositoryRoot.NewScratchDirectory("records-lifetime");
        try
        {
            string[] messages = [CustomerJson("1", 1), CustomerJson("2", 2, "KERALA"), CustomerJson("3", 3), CustomerJson("4", 4), CustomerJson("5", 5)];
            var source = new MemorySource("customer");
            source.AddBatch(messages.Select(m => ((string?)null, m)));
            var session = StreamingSession.CreateBuilder().AppName("lifetime").Master("local[2]").GetOrCreate();
            var scanned = session.Read("customer", source);
            var decodedIds = new List<string>();
            var projectedValues = new List<string>();
            var rawValues = new List<string>();
            scanned.ParseJson(Customer, "ts").ForeachBatch("decoded", (rows, schema, _) => decodedIds.AddRange(rows.Select(r => (string)r[schema.Ordinal("ID")]!)));
            scanned.Select("value").ForeachBatch("projected", (rows, _, _) => projectedValues.AddRange(rows.Select(r => Encoding.UTF8.GetString((byte[])r[0]!))));
            scanned.ForeachBatch("raw", (rows, schema, _) => rawValues.AddRange(rows.Select(r => Encoding.UTF8.GetString((byte[])r[schema.Ordinal("value")]!))));
            using var query = session.Start(new StreamingQueryOptions
            {
                Name = "lifetime",
                CheckpointLocation = Path.Combine(directory, "checkpoint"),
                Trigger = new Trigger.AvailableNow(),
                MaxRecordsPerTrigger = 2, // three batches, the later ones read ahead
            });
            query.RunAsync(CancellationToken.None).GetAwaiter().GetResult();

            Assert.That(decodedIds, Is.EqualTo(new[] { "1", "2", "3", "4", "5" }));
            Assert.That(projectedValues, Is.EqualTo(messages));
            Assert.That(rawValues, Is.EqualTo(messages));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
