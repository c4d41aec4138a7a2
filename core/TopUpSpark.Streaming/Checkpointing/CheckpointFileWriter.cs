using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace TopUpSpark.Streaming.Checkpointing;

/// <summary>
/// A write-only stream over a new file, or over the end of one appended to: buffered in an array rented from
/// the shared pool, each flush one positioned write, and the position kept here rather than asked of the
/// file. A batch writes a few hundred checkpoint records; a <see cref="BufferedStream"/> over a
/// <see cref="FileStream"/> allocated a 16 KiB buffer for each (about 90 MiB over a full replay, a tenth of
/// all the job allocated), and asked the file system for the position at each length a state record fills
/// in afterwards.
/// </summary>
/// <param name="file">The file, open for writing.</param>
/// <param name="start">Where in the file to write: 0 for a new file, its length to append.</param>
internal sealed class CheckpointFileWriter(SafeFileHandle file, long start = 0) : Stream
{
    private const int BufferBytes = 16 * 1024;

    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
    private int _buffered;
    // Where _buffer[0] goes in the file, and how long the file is so far.
    private long _bufferAt = start;
    private long _length = start;
    private readonly long _start = start;

    public override bool CanRead => false;
    public override bool CanSeek => true;
    public override bool CanWrite => true;
    public override long Length => Math.Max(_length, _bufferAt + _buffered);

    public override long Position
    {
        get => _bufferAt + _buffered;
        set
        {
            // Never before the start: what an append writes to must not reach into what the file held already.
            ArgumentOutOfRangeException.ThrowIfLessThan(value, _start);
            Flush();
            _bufferAt = value;
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => Position + offset,
        SeekOrigin.End => Length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override void Write(ReadOnlySpan<byte> bytes)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(CheckpointFileWriter));
        if (bytes.Length > buffer.Length - _buffered)
        {
            Flush();
            if (bytes.Length >= buffer.Length)
            {
                WriteThrough(bytes);
                return;
            }
        }
        bytes.CopyTo(buffer.AsSpan(_buffered));
        _buffered += bytes.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush()
    {
        if (_buffered == 0 || _buffer is null) return;
        WriteThrough(_buffer.AsSpan(0, _buffered));
        _buffered = 0;
    }

    /// <summary>Writes <paramref name="bytes"/> to the file where the buffer would start, and moves that start past them.</summary>
    private void WriteThrough(ReadOnlySpan<byte> bytes)
    {
        RandomAccess.Write(file, bytes, _bufferAt);
        _bufferAt += bytes.Length;
        _length = Math.Max(_length, _bufferAt);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (_buffer is not { } buffer) return;
        try
        {
            Flush();
        }
        finally
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
            base.Dispose(disposing);
        }
    }
}
