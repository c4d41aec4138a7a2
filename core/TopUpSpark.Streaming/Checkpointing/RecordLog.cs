using System.Buffers.Binary;
using System.Globalization;

namespace TopUpSpark.Streaming.Checkpointing;

/// <summary>How a <see cref="RecordLog"/> tells its records apart, and a complete one from one a kill cut off.</summary>
internal enum RecordFraming
{
    /// <summary>One line per record (JSON), complete once its line feed is written.</summary>
    Lines,

    /// <summary>Binary records between two copies of their length (little-endian 32 bits): complete once the second is written and matches.</summary>
    Sized,
}

/// <summary>
/// An append-only log of records kept in segment files <c>&lt;folder&gt;/&lt;first batch&gt;-&lt;writer&gt;</c>: a writer
/// appends to its current segment and starts a new one when told, so that old records go by deleting whole
/// files. Appending to a file takes microseconds where creating one and renaming it into place took 150–450 µs
/// on this project's VMs, and a batch of 64 tasks created 192 of them for its offsets, state and commits. An
/// append is not atomic: a record counts once it is complete, and the rest of a segment after a record a kill
/// cut off is ignored. Every writer starts segments of its own, so no two append to one file: not the new owner
/// of a task after a killed one (whose segment may end in a cut-off record), nor an instance that lost the task
/// while it was frozen. A writer's batch ids only grow, so a segment holds its first batch and later ones.
/// </summary>
internal sealed class RecordLog(ICheckpointStorage storage, string folder, RecordFraming framing)
{
    private readonly string _writer = Guid.NewGuid().ToString("N")[..12];
    private (string Path, long FirstBatch)? _segment;

    /// <summary>The first batch of the segment this writer appends to; null before its first record.</summary>
    public long? SegmentStart => _segment?.FirstBatch;

    /// <summary>Appends one record of batch <paramref name="batchId"/>, written by <paramref name="write"/>, in a new segment when <paramref name="newSegment"/> or the first.</summary>
    public void Append(long batchId, bool newSegment, Action<Stream> write)
    {
        if (newSegment || _segment is null) _segment = ($"{folder}/{batchId.ToString(CultureInfo.InvariantCulture)}-{_writer}", batchId);
        storage.Append(_segment.Value.Path, stream =>
        {
            switch (framing)
            {
                case RecordFraming.Lines:
                    write(stream);
                    stream.WriteByte((byte)'\n');
                    break;
                case RecordFraming.Sized:
                    var lengthAt = stream.Position;
                    Span<byte> length = stackalloc byte[sizeof(int)];
                    stream.Write(length);
                    write(stream);
                    var end = stream.Position;
                    BinaryPrimitives.WriteInt32LittleEndian(length, checked((int)(end - lengthAt - sizeof(int))));
                    stream.Position = lengthAt;
                    stream.Write(length);
                    stream.Position = end;
                    stream.Write(length);
                    break;
            }
        });
    }

    /// <summary>The segments, newest (largest first batch) first.</summary>
    public IReadOnlyList<Segment> Segments() =>
        storage.List(folder).Select(Segment.TryParse).OfType<Segment>().OrderByDescending(s => s.FirstBatch).ToList();

    /// <summary>The complete records of <paramref name="segment"/>, oldest first; none when it is gone.</summary>
    public IEnumerable<ReadOnlyMemory<byte>> Records(Segment segment) =>
        storage.Read($"{folder}/{segment.Name}") is { } bytes ? framing == RecordFraming.Lines ? Lines(bytes) : Sized(bytes) : [];

    private static IEnumerable<ReadOnlyMemory<byte>> Lines(byte[] bytes)
    {
        var start = 0;
        // What follows the last line feed is a record cut off by a kill (or still being appended): not a record yet.
        for (var end = Array.IndexOf(bytes, (byte)'\n'); end >= 0; end = Array.IndexOf(bytes, (byte)'\n', start))
        {
            yield return bytes.AsMemory(start, end - start);
            start = end + 1;
        }
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Sized(byte[] bytes)
    {
        for (var at = 0; bytes.Length - at >= 2 * sizeof(int);)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
            // Cut off (or never written: a crashed machine may leave zeros): the end of the segment's records.
            if (length <= 0 || length > bytes.Length - at - 2 * sizeof(int)
                || BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at + sizeof(int) + length)) != length)
                yield break;
            yield return bytes.AsMemory(at + sizeof(int), length);
            at += length + 2 * sizeof(int);
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
