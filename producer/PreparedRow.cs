using System.Globalization;
using System.Text;
using TopUpSpark.Core.Messages;

namespace TopUpSpark.Producer;

/// <summary>
/// One CSV row ready to send: its key (the customer ID) and its message — <see cref="InputMessageCodec"/>'s
/// JSON of all columns — encoded once when the file is loaded; only the batch's <c>ts</c> is added per send.
/// </summary>
public readonly struct PreparedRow
{
    private readonly ReadOnlyMemory<byte> _prefix;
    private readonly MessageShape _shape;

    internal PreparedRow(string id, ReadOnlyMemory<byte> prefix, MessageShape shape)
    {
        Id = id;
        _prefix = prefix;
        _shape = shape;
    }

    public string Id { get; }

    /// <summary>The message value for event time <paramref name="ts"/> (Unix seconds): the bytes <see cref="InputMessageCodec.Encode"/> writes.</summary>
    public byte[] Message(long ts) => _shape.Complete(_prefix.Span, ts);

    /// <summary>
    /// How a message ends, learnt from the codec itself: encoding a row with an empty event time gives
    /// <c>{…columns…,"ts":""}</c>, so the row's part is everything before <c>"ts":""}</c>, and a message is
    /// that part, <c>"ts":"</c>, the digits of ts and <c>"}</c>.
    /// </summary>
    internal sealed class MessageShape
    {
        private static readonly byte[] Closing = "\"}"u8.ToArray();
        private readonly byte[] _eventTimeOpening;
        private readonly int _emptyTailLength;

        public MessageShape(string eventTimeColumn)
        {
            EventTimeColumn = eventTimeColumn;
            var empty = InputMessageCodec.Encode([], [], eventTimeColumn, "");
            if (empty.Length < 3 || empty[0] != (byte)'{' || !empty.AsSpan().EndsWith(Closing))
                throw new InvalidOperationException($"unexpected message layout from the input codec: {Encoding.UTF8.GetString(empty)}");
            _emptyTailLength = empty.Length - 1;
            _eventTimeOpening = empty[1..^Closing.Length];
        }

        public string EventTimeColumn { get; }

        /// <summary>The row's part of every message: its encoding without the event time.</summary>
        public ReadOnlySpan<byte> Prefix(byte[] encodedWithEmptyEventTime) => encodedWithEmptyEventTime.AsSpan(0, encodedWithEmptyEventTime.Length - _emptyTailLength);

        public byte[] Complete(ReadOnlySpan<byte> prefix, long ts)
        {
            Span<byte> digits = stackalloc byte[20];
            if (!ts.TryFormat(digits, out var length, provider: CultureInfo.InvariantCulture))
                throw new InvalidOperationException($"cannot format ts {ts}");
            var message = new byte[prefix.Length + _eventTimeOpening.Length + length + Closing.Length];
            var rest = message.AsSpan();
            prefix.CopyTo(rest);
            rest = rest[prefix.Length..];
            _eventTimeOpening.CopyTo(rest);
            rest = rest[_eventTimeOpening.Length..];
            digits[..length].CopyTo(rest);
            Closing.CopyTo(rest[length..]);
            return message;
        }
    }
}
