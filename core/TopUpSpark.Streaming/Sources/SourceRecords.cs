using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace TopUpSpark.Streaming.Sources;

/// <summary>
/// The records one source delivers for one batch. Partition, offset and timestamp of each record sit in
/// one array; keys and values are copied back to back into pooled 1 MiB chunks. A batch of Kafka
/// messages thus costs one copy of its bytes and no object per message, and the chunks go back to the
/// pool when the batch is done (<see cref="Dispose"/>): values must not be used after that.
/// </summary>
public sealed class SourceRecords : IDisposable
{
    private const int ChunkBytes = 1 << 20;

    // Chunks are reused batch after batch; more than this many idle chunks are left to the GC.
    private static readonly ArrayPool<byte> Chunks = ArrayPool<byte>.Create(ChunkBytes, maxArraysPerBucket: 48);

    private readonly List<Entry> _entries;
    private readonly List<byte[]> _chunks;
    private int _chunkUsed = ChunkBytes;
    // A view (ForPartition) sees entries [_first, _first + _viewCount) of its owner's and owns no chunks.
    private readonly int _first;
    private readonly int _viewCount = -1;

    public SourceRecords(int capacity = 0)
    {
        _entries = new List<Entry>(capacity);
        _chunks = [];
    }

    private SourceRecords(SourceRecords owner, int first, int count)
    {
        _entries = owner._entries;
        _chunks = owner._chunks;
        _first = first;
        _viewCount = count;
    }

    private bool IsView => _viewCount >= 0;

    /// <summary>
    /// The records of one partition, as a view over these (no copy) that lives as long as they do; the
    /// records must be sorted (<see cref="SortByPartitionAndOffset"/>).
    /// </summary>
    public SourceRecords ForPartition(int partition)
    {
        var entries = CollectionsMarshal.AsSpan(_entries).Slice(_first, Count);
        var first = FirstAtOrAfter(entries, partition);
        var end = first + FirstAtOrAfter(entries[first..], partition + 1);
        return new SourceRecords(this, _first + first, end - first);
    }

    /// <summary>The index of the first of the sorted <paramref name="entries"/> in <paramref name="partition"/> or a later one (their count if none).</summary>
    private static int FirstAtOrAfter(ReadOnlySpan<Entry> entries, int partition)
    {
        int low = 0, high = entries.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (entries[middle].Partition < partition) low = middle + 1;
            else high = middle;
        }
        return low;
    }

    private readonly record struct Slice(int Chunk, int Start, int Length)
    {
        public static readonly Slice Null = new(-1, 0, 0);
    }

    private readonly record struct Entry(int Partition, long Offset, long TimestampTicks, Slice Key, Slice Value);

    public int Count => IsView ? _viewCount : _entries.Count;

    /// <summary>Copies one record in; a null key or value is kept apart from an empty one.</summary>
    public void Add(int partition, long offset, DateTimeOffset timestamp, ReadOnlySpan<byte> key, bool hasKey, ReadOnlySpan<byte> value, bool hasValue = true)
    {
        if (IsView) throw new InvalidOperationException("a view of records cannot take more");
        var keySlice = hasKey ? Store(key) : Slice.Null;
        var valueSlice = hasValue ? Store(value) : Slice.Null;
        _entries.Add(new Entry(partition, offset, timestamp.UtcTicks, keySlice, valueSlice));
    }

    public int Partition(int index) => _entries[_first + index].Partition;
    public long Offset(int index) => _entries[_first + index].Offset;
    public DateTimeOffset Timestamp(int index) => new(_entries[_first + index].TimestampTicks, TimeSpan.Zero);

    /// <summary>The value's bytes (empty for a null value), valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> Value(int index) => Bytes(_entries[_first + index].Value);

    /// <summary>The key as UTF-8 text, or null.</summary>
    public string? Key(int index)
    {
        var key = _entries[_first + index].Key;
        return key.Chunk < 0 ? null : Encoding.UTF8.GetString(Bytes(key));
    }

    /// <summary>The key's length in bytes (0 for a null key).</summary>
    public int KeyLength(int index) => _entries[_first + index].Key.Length;

    /// <summary>The key's bytes as they were sent, or null for a null key.</summary>
    public byte[]? KeyBytes(int index)
    {
        var key = _entries[_first + index].Key;
        return key.Chunk < 0 ? null : Bytes(key).ToArray();
    }

    /// <summary>Orders the records by partition, then offset: the same offset range always yields the same rows in the same order.</summary>
    public void SortByPartitionAndOffset()
    {
        if (IsView) throw new InvalidOperationException("a view of records is sorted by its owner");
        CollectionsMarshal.AsSpan(_entries).Sort(static (a, b) => a.Partition != b.Partition ? a.Partition.CompareTo(b.Partition) : a.Offset.CompareTo(b.Offset));
    }

    private ReadOnlySpan<byte> Bytes(Slice slice) => slice.Chunk < 0 ? [] : _chunks[slice.Chunk].AsSpan(slice.Start, slice.Length);

    private Slice Store(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > ChunkBytes)
        {
            // A chunk of its own, never handed to the pool; the next record starts a fresh chunk.
            _chunks.Add(bytes.ToArray());
            _chunkUsed = ChunkBytes;
            return new Slice(_chunks.Count - 1, 0, bytes.Length);
        }
        if (_chunkUsed + bytes.Length > ChunkBytes)
        {
            _chunks.Add(Chunks.Rent(ChunkBytes));
            _chunkUsed = 0;
        }
        bytes.CopyTo(_chunks[^1].AsSpan(_chunkUsed));
        var slice = new Slice(_chunks.Count - 1, _chunkUsed, bytes.Length);
        _chunkUsed += bytes.Length;
        return slice;
    }

    public void Dispose()
    {
        if (IsView) return;
        foreach (var chunk in _chunks)
            if (chunk.Length == ChunkBytes) Chunks.Return(chunk);
        _chunks.Clear();
        _entries.Clear();
        _chunkUsed = ChunkBytes;
    }
}
