using System.Text;
using NUnit.Framework;
using TopUpSpark.Streaming.Sources;

namespace TopUpSpark.Streaming.Tests;

/// <summary>
/// A batch's records arrive from many partitions at once, interleaved as the client fetched them. Sorted,
/// they are in partition then offset order, whatever order they came in, and each task's view holds exactly
/// its partition's records.
/// </summary>
public class SourceRecordsTests
{
    private static readonly DateTimeOffset Time = new(2023, 11, 14, 22, 13, 20, TimeSpan.Zero);

    private static SourceRecords Records(IEnumerable<(int Partition, long Offset)> arrivals)
    {
        var records = new SourceRecords();
        foreach (var (partition, offset) in arrivals)
            records.Add(partition, offset, Time, Encoding.UTF8.GetBytes($"k{partition}"), hasKey: true, Encoding.UTF8.GetBytes($"{partition}/{offset}"));
        return records;
    }

    private static List<(int Partition, long Offset, string Value)> Contents(SourceRecords records) =>
        Enumerable.Range(0, records.Count).Select(i => (records.Partition(i), records.Offset(i), Encoding.UTF8.GetString(records.Value(i)))).ToList();

    [Test]
    public void Records_in_any_arrival_order_sort_by_partition_then_offset_and_split_exactly_by_partition()
    {
        var random = new Random(3);
        // Partitions 0–9 but 4 and 7, each read in runs as a client interleaves them; some runs out of offset order.
        var partitions = Enumerable.Range(0, 10).Where(p => p is not (4 or 7)).ToList();
        var expected = partitions.SelectMany(p => Enumerable.Range(0, 40).Select(o => (Partition: p, Offset: 100L + 3 * o))).ToList();
        var arrivals = expected.Chunk(7).OrderBy(_ => random.Next()).SelectMany(run => random.Next(4) == 0 ? run.Reverse() : run).ToList();
        Assume.That(arrivals, Is.Not.EqualTo(expected));
        using var records = Records(arrivals);

        records.SortByPartitionAndOffset();

        Assert.That(Contents(records), Is.EqualTo(expected.Select(e => (e.Partition, e.Offset, $"{e.Partition}/{e.Offset}")).ToList()));
        foreach (var partition in Enumerable.Range(-1, 12))
        {
            var view = records.ForPartition(partition);
            Assert.That(Contents(view).Select(r => (r.Partition, r.Offset)),
                Is.EqualTo(expected.Where(e => e.Partition == partition).Select(e => (e.Partition, e.Offset))), $"partition {partition}");
        }
    }
}
