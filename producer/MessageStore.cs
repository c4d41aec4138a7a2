namespace TopUpSpark.Producer;

/// <summary>
/// Keeps the encoded rows of a whole file in a few large buffers rather than one small array per row:
/// hundreds of thousands of long-lived small arrays would have the garbage collector copy them from
/// generation to generation while the file loads, which costs more than encoding them.
/// </summary>
internal sealed class MessageStore
{
    private const int SlabSize = 4 << 20;
    private byte[] _slab = [];
    private int _used;

    public ReadOnlyMemory<byte> Store(ReadOnlySpan<byte> bytes)
    {
        if (_slab.Length - _used < bytes.Length)
        {
            _slab = new byte[Math.Max(SlabSize, bytes.Length)];
            _used = 0;
        }
        var stored = _slab.AsMemory(_used, bytes.Length);
        bytes.CopyTo(stored.Span);
        _used += bytes.Length;
        return stored;
    }
}
