using System.Globalization;

namespace TopUpSpark.Streaming.Checkpointing;

/// <summary>
/// An append-only log of one-line records, kept in segment files <c>&lt;folder&gt;/&lt;first batch&gt;-&lt;writer&gt;</c>:
/// a writer appends to its current segment and starts a new one every <c>batchesPerSegment</c> batches, so
/// that old records go by deleting whole files. Appending to a file takes microseconds where creating one and
/// renaming it into place took 150–450 µs on this project's VMs, and a batch of 64 tasks created 128 of them
/// for its offsets and commits alone. An append is not atomic: a record counts once its line ends, and a line
/// cut off by a kill is ignored. Every writer starts segments of its own, so no two append to one file: not
/// the new owner of a task after a killed one (whose segment may end in a cut-off line), nor an instance that
/// lost the task while it was frozen. A writer's batch ids only grow, so a segment holds its first batch and
/// later ones.
/// </summary>
internal sealed class RecordLog(ICheckpointStorage storage, string folder, int batchesPerSegment)
{
    private readonly string _writer = Guid.NewGuid().ToString("N")[..12];
    private (string Path, long FirstBatch)? _segment;

    /// <summary>Appends <paramref name="line"/>, one record of batch <paramref name="batchId"/> ending in a line feed, with one write.</summary>
    public void Append(long batchId, ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty || line[^1] != (byte)'\n' || line[..^1].Contains((byte)'\n'))
            throw new ArgumentException("a record is one line ending in a line feed", nameof(line));
        if (_segment is not { } segment || batchId >= segment.FirstBatch + batchesPerSegment)
            _segment = segment = ($"{folder}/{batchId.ToString(CultureInfo.InvariantCulture)}-{_writer}", batchId);
        storage.Append(segment.Path, line);
    }

    /// <summary>The segments, newest (largest first batch) first.</summary>
    public IReadOnlyList<Segment> Segments() =>
        storage.List(folder).Select(Segment.TryParse).OfType<Segment>().OrderByDescending(s => s.FirstBatch).ToList();

    /// <summary>The complete records of <paramref name="segment"/>, oldest first, each without its line feed; none when it is gone.</summary>
    public IEnumerable<ReadOnlyMemory<byte>> Records(Segment segment)
    {
        var bytes = storage.Read($"{folder}/{segment.Name}");
        if (bytes is null) yield break;
        var start = 0;
        // What follows the last line feed is a record cut off by a kill (or still being appended): not a record yet.
        for (var end = Array.IndexOf(bytes, (byte)'\n'); end >= 0; end = Array.IndexOf(bytes, (byte)'\n', start))
        {
            yield return bytes.AsMemory(start, end - start);
            start = end + 1;
        }
    }

    public string Locate(Segment segment) => storage.Locate($"{folder}/{segment.Name}");

    /// <summary>Removes the segments whose records are all of batches before <paramref name="batchId"/>: those followed by a segment that starts before it.</summary>
    public void RemoveBefore(long batchId)
    {
        var oldestFirst = Segments().Reverse().ToList();
        for (var i = 0; i + 1 < oldestFirst.Count && oldestFirst[i + 1].FirstBatch < batchId; i++)
            storage.Delete($"{folder}/{oldestFirst[i].Name}");
    }

    internal sealed record Segment(string Name, long FirstBatch)
    {
        public static Segment? TryParse(string name)
        {
            var dash = name.IndexOf('-');
            return dash > 0 && long.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var first) ? new Segment(name, first) : null;
        }
    }
}
