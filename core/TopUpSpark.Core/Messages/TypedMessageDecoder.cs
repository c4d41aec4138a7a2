using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using TopUpSpark.Core.Schema;

namespace TopUpSpark.Core.Messages;

/// <summary>
/// Reads one input message (a JSON object of strings, DESIGN §3) straight into typed values in a single
/// pass over its UTF-8 bytes: numbers, flags and dates are parsed from the bytes without an intermediate
/// string, and repeated category values share one string instance. The checks are the contract's: an
/// object of strings with every column and the event time, and nothing else. Thread-safe.
/// <para>
/// Messages in the form producers write (no whitespace, no escapes) take a fast path that finds each
/// string's end with one vectorised search. Any other message, valid or not, is read again from its
/// start by <see cref="Utf8JsonReader"/>, which decides it and words its error: both paths give the
/// same row for every message the fast path takes.
/// </para>
/// </summary>
public sealed class TypedMessageDecoder
{
    // A table of strings holds at most this many: a column of unique values (history series) fills it with strings
    // nothing will share, so it is kept as small as the category columns allow (branches, cities: hundreds).
    private const int StringCacheBits = 12;
    private const int NumberCacheBits = 13;
    private const int StackChars = 256;
    private static readonly object One = 1.0, Zero = 0.0;

    private readonly IReadOnlyList<ColumnSpec> _columns;
    private readonly string _eventTimeColumn;
    private readonly Dictionary<string, int> _ordinals;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _ordinalsBySpan;
    private readonly StringCache?[] _strings;
    private readonly NumberCache?[] _numbers;
    private readonly bool _castByType;
    private readonly bool[] _decoded;
    private readonly byte[][] _utf8Names;
    // Each name (then the event time's) as it stands in JSON, quotes included; null for a name JSON would escape.
    private readonly byte[]?[] _quotedNames;

    /// <param name="castByType">
    /// True when casting by the schema: an empty cell is null (DESIGN §3), and the event time a
    /// <see cref="DateTimeOffset"/> when it is a Unix time in seconds (else its text, for the caller to
    /// reject). False to keep every value as the exact string the message holds, as <c>from_json</c> with
    /// a schema of strings does.
    /// </param>
    /// <param name="decodedColumns">
    /// The ordinals of the columns whose values are wanted (default: all). The others are still checked
    /// to be present strings, but their values are skipped, not decoded, and left null.
    /// </param>
    public TypedMessageDecoder(IReadOnlyList<ColumnSpec> columns, string eventTimeColumn, bool castByType = true,
        IReadOnlySet<int>? decodedColumns = null)
    {
        _decoded = columns.Select((_, i) => decodedColumns?.Contains(i) ?? true).ToArray();
        _castByType = castByType;
        _columns = columns;
        _eventTimeColumn = eventTimeColumn;
        _ordinals = columns.Select((c, i) => (c.Name, i)).ToDictionary(c => c.Name, c => c.i, StringComparer.Ordinal);
        _ordinalsBySpan = _ordinals.GetAlternateLookup<ReadOnlySpan<char>>();
        _strings = columns.Select(c => c.Type == ColumnType.String ? new StringCache() : null).ToArray();
        _numbers = columns.Select(c => c.Type == ColumnType.Number ? new NumberCache() : null).ToArray();
        _utf8Names = columns.Select(c => c.Name).Append(eventTimeColumn).Select(Encoding.UTF8.GetBytes).ToArray();
        _quotedNames = _utf8Names.Select(name => name.AsSpan().IndexOfAny((byte)'"', (byte)'\\') >= 0 || name.AsSpan().IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0
            ? null : (byte[])[(byte)'"', .. name, (byte)'"']).ToArray();
    }

    /// <summary>
    /// Decodes <paramref name="json"/> into <paramref name="row"/> (one slot per column, then the event
    /// time). Cells that do not parse become null and are counted in <paramref name="invalid"/>.
    /// </summary>
    public bool TryDecode(ReadOnlySpan<byte> json, object?[] row, Span<int> invalid, out string? error)
    {
        // JSON text is UTF-8 (RFC 8259). Checked once here, so that no value is read with replacement
        // characters, and no read of the event time or a long value throws on a bad byte.
        if (!Utf8.IsValid(json))
        {
            error = "not valid UTF-8";
            return false;
        }
        error = null;
        if (TryDecodeCanonical(json, row, invalid)) return true;
        Array.Clear(row);
        return TryDecodeAnyForm(json, row, invalid, out error);
    }

    /// <summary>Any JSON text, through <see cref="Utf8JsonReader"/>; the error says what breaks the contract.</summary>
    private bool TryDecodeAnyForm(ReadOnlySpan<byte> json, object?[] row, Span<int> invalid, out string? error)
    {
        Span<bool> seen = stackalloc bool[_columns.Count];
        var seenCount = 0;
        string? eventTime = null;
        var expected = 0;
        error = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "not a JSON object";
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var ordinal = LookUpColumn(ref reader, expected, out var name);
                expected = (ordinal == EventTimeOrdinal ? _columns.Count : ordinal) + 1;
                if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    error = $"column '{name ?? ColumnName(ordinal)}' is not a JSON string";
                    return false;
                }
                if (ordinal == EventTimeOrdinal)
                {
                    eventTime = reader.GetString();
                    continue;
                }
                if (ordinal < 0)
                {
                    error = $"unexpected column '{name}'";
                    return false;
                }
                if (!seen[ordinal])
                {
                    seen[ordinal] = true;
                    seenCount++;
                }
                if (!_decoded[ordinal]) continue;
                row[ordinal] = Cast(ordinal, ref reader, out var isInvalid);
                if (isInvalid) invalid[ordinal]++;
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = "malformed JSON object";
                return false;
            }
        }
        catch (JsonException e)
        {
            error = "malformed JSON: " + e.Message;
            return false;
        }
        if (eventTime is null)
        {
            error = $"missing event time column '{_eventTimeColumn}'";
            return false;
        }
        if (seenCount != _columns.Count)
        {
            var missing = new List<string>();
            for (var i = 0; i < _columns.Count && missing.Count < 5; i++)
                if (!seen[i]) missing.Add($"'{_columns[i].Name}'");
            error = $"missing column(s): {string.Join(", ", missing)}";
            return false;
        }
        row[_columns.Count] = EventTime(eventTime.AsSpan(), eventTime);
        return true;
    }

    /// <summary>
    /// The fast path: a message of exactly <c>{"name":"value",…}</c> with every column and the event
    /// time, no whitespace and no escapes, decoded into <paramref name="row"/>. False, with
    /// <paramref name="invalid"/> untouched, for anything else: the caller then reads the message again.
    /// </summary>
    private bool TryDecodeCanonical(ReadOnlySpan<byte> json, object?[] row, Span<int> invalid)
    {
        // That form has no whitespace, so no byte below 0x20 anywhere: one search rules out the control
        // characters a string must not hold, and then a string ends at its first quote unless a backslash comes first.
        if (json.Length < 2 || json[0] != (byte)'{' || json.IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0) return false;
        Span<bool> seen = stackalloc bool[_columns.Count];
        Span<int> invalidHere = stackalloc int[_columns.Count];
        var seenCount = 0;
        var eventTime = json[..0];
        var hasEventTime = false;
        var expected = 0;
        var position = 1;
        while (true)
        {
            int ordinal;
            if (TrySkipName(json, ref position, expected)) ordinal = expected == _columns.Count ? EventTimeOrdinal : expected;
            else if (TryReadString(json, ref position, out var name)) ordinal = LookUpColumn(name, expected);
            else return false;
            if (position >= json.Length || json[position++] != (byte)':' || !TryReadString(json, ref position, out var value) || position >= json.Length)
                return false;
            // As on the other path, a column given twice keeps its last value.
            if (ordinal == EventTimeOrdinal)
            {
                hasEventTime = true;
                eventTime = value;
                expected = _columns.Count + 1;
            }
            else
            {
                if (ordinal < 0) return false;
                if (!seen[ordinal])
                {
                    seen[ordinal] = true;
                    seenCount++;
                }
                expected = ordinal + 1;
                if (_decoded[ordinal])
                {
                    row[ordinal] = CastUtf8(ordinal, value, out var isInvalid);
                    if (isInvalid) invalidHere[ordinal]++;
                }
            }
            var next = json[position++];
            if (next == (byte)',') continue;
            if (next != (byte)'}' || position != json.Length || !hasEventTime || seenCount != _columns.Count) return false;
            break;
        }
        row[_columns.Count] = EventTimeUtf8(eventTime);
        for (var i = 0; i < invalidHere.Length; i++) invalid[i] += invalidHere[i];
        return true;
    }

    /// <summary>Moves past the expected column's name, if that is what comes next (the usual case: producers write schema order).</summary>
    private bool TrySkipName(ReadOnlySpan<byte> json, scoped ref int position, int expected)
    {
        var quoted = expected < _quotedNames.Length ? _quotedNames[expected] : null;
        if (quoted is null || !json[position..].StartsWith(quoted)) return false;
        position += quoted.Length;
        return true;
    }

    /// <summary>Reads the string at <paramref name="position"/> if it has no escape, and moves past it.</summary>
    private static bool TryReadString(ReadOnlySpan<byte> json, scoped ref int position, out ReadOnlySpan<byte> text)
    {
        text = default;
        if (position >= json.Length || json[position] != (byte)'"') return false;
        var rest = json[(position + 1)..];
        var end = rest.IndexOfAny((byte)'"', (byte)'\\');
        if (end < 0 || rest[end] != (byte)'"') return false;
        text = rest[..end];
        position += end + 2;
        return true;
    }

    /// <summary>The ordinal of an unescaped column name, <see cref="EventTimeOrdinal"/>, or −1; the expected one is tried first.</summary>
    private int LookUpColumn(ReadOnlySpan<byte> name, int expected)
    {
        if (expected < _utf8Names.Length && name.SequenceEqual(_utf8Names[expected]))
            return expected == _columns.Count ? EventTimeOrdinal : expected;
        Span<char> buffer = stackalloc char[StackChars];
        ReadOnlySpan<char> chars = name.Length <= StackChars ? buffer[..Encoding.UTF8.GetChars(name, buffer)] : Encoding.UTF8.GetString(name);
        if (_ordinalsBySpan.TryGetValue(chars, out var ordinal)) return ordinal;
        return chars.SequenceEqual(_eventTimeColumn) ? EventTimeOrdinal : -1;
    }

    private const int EventTimeOrdinal = int.MaxValue;

    private string ColumnName(int ordinal) => ordinal == EventTimeOrdinal ? _eventTimeColumn : _columns[ordinal].Name;

    /// <summary>
    /// The column's ordinal, <see cref="EventTimeOrdinal"/> for the event time, or −1 (with its name) for an unknown one.
    /// Producers write the columns in schema order, so the one after the previous is tried first, on the raw bytes.
    /// </summary>
    private int LookUpColumn(ref Utf8JsonReader reader, int expected, out string? unknownName)
    {
        unknownName = null;
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            var ordinal = LookUpColumn(reader.ValueSpan, expected);
            if (ordinal < 0) unknownName = Encoding.UTF8.GetString(reader.ValueSpan);
            return ordinal;
        }
        var text = reader.GetString()!;
        if (_ordinals.TryGetValue(text, out var found)) return found;
        if (text == _eventTimeColumn) return EventTimeOrdinal;
        unknownName = text;
        return -1;
    }

    private object? Cast(int ordinal, ref Utf8JsonReader reader, out bool invalid)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            var text = reader.GetString()!;
            return CastChars(ordinal, text.AsSpan(), text, out invalid);
        }
        return CastUtf8(ordinal, reader.ValueSpan, out invalid);
    }

    /// <summary>Casts a value that needs no unescaping, given as its UTF-8 bytes.</summary>
    private object? CastUtf8(int ordinal, ReadOnlySpan<byte> utf8, out bool invalid)
    {
        if (utf8.Length > StackChars)
        {
            var text = Encoding.UTF8.GetString(utf8);
            return CastChars(ordinal, text.AsSpan(), text, out invalid);
        }
        var slot = 0;
        // A value found in the cache was cast before, and is kept only when the cast gives a string.
        if (_strings[ordinal]?.Find(utf8, out slot) is { } shared)
        {
            invalid = false;
            return shared;
        }
        Span<char> chars = stackalloc char[StackChars];
        var count = Encoding.UTF8.GetChars(utf8, chars);
        var value = CastChars(ordinal, chars[..count], null, out invalid);
        return value is string decoded && _strings[ordinal] is { } strings ? strings.Keep(slot, decoded) : value;
    }

    private object? CastChars(int ordinal, ReadOnlySpan<char> text, string? asString, out bool invalid)
    {
        invalid = false;
        var column = _columns[ordinal];
        if (!_castByType && column.Type == ColumnType.String) return asString ?? text.ToString();
        if (text.IsWhiteSpace()) return null;
        switch (column.Type)
        {
            case ColumnType.String:
                return asString ?? text.ToString();
            case ColumnType.Number:
                if (ValueCaster.TryParseNumber(text, out var number)) return _numbers[ordinal]!.Get(number);
                break;
            case ColumnType.Flag:
                if (ValueCaster.TryParseFlag(text, out var flag)) return flag == 1 ? One : Zero;
                break;
            case ColumnType.Date:
                if (ValueCaster.TryParseDate(text, column.DateFormats, out var date)) return date;
                break;
            case ColumnType.Timestamp:
                if (ValueCaster.TryParseUnixSeconds(text, out var ts)) return ts;
                break;
        }
        invalid = true;
        return null;
    }

    private object EventTimeUtf8(ReadOnlySpan<byte> utf8)
    {
        if (!_castByType || utf8.Length > StackChars) return Encoding.UTF8.GetString(utf8);
        Span<char> chars = stackalloc char[StackChars];
        return EventTime(chars[..Encoding.UTF8.GetChars(utf8, chars)], null);
    }

    /// <summary>The event time's slot: its text, or when casting, the time it gives (the text when it gives none).</summary>
    private object EventTime(ReadOnlySpan<char> text, string? asString)
    {
        if (!_castByType || !ValueCaster.TryParseUnixSeconds(text, out var time)) return asString ?? text.ToString();
        // Producers write many messages a second, and a batch spans a few minutes of them: the rows of one
        // second share one boxed value, rather than each allocating its own (and keeping it in the join's state).
        var slot = (int)((time.UtcTicks / TimeSpan.TicksPerSecond) & (BoxedTimesPerThread - 1));
        var boxed = t_boxedTimes ??= new object?[BoxedTimesPerThread];
        if (boxed[slot] is DateTimeOffset cached && cached == time) return boxed[slot]!;
        return boxed[slot] = time;
    }

    private const int BoxedTimesPerThread = 512;

    [ThreadStatic] private static object?[]? t_boxedTimes;

    /// <summary>
    /// Shares one string instance per value of a category column (states, branches, account types), which saves
    /// most of the allocations and memory of the rows held in state, and finds it from the message's UTF-8 bytes,
    /// before they are decoded. A fixed table, one slot per hash of the bytes: a hit costs a hash and a compare,
    /// and no lock, as a slot is one reference replaced whole; two values of one slot take it in turns. Columns
    /// of unique values (history series) only miss, at the cost of the hash.
    /// </summary>
    private sealed class StringCache
    {
        private readonly string?[] _slots = new string?[1 << StringCacheBits];

        /// <summary>The shared string equal to <paramref name="utf8"/>, or null; <paramref name="slot"/> is where to keep it.</summary>
        public string? Find(ReadOnlySpan<byte> utf8, out int slot)
        {
            slot = (int)(XxHash3.HashToUInt64(utf8) >> (64 - StringCacheBits));
            var cached = _slots[slot];
            return cached is not null && SameText(utf8, cached) ? cached : null;
        }

        public string Keep(int slot, string value) => _slots[slot] = value;

        private static bool SameText(ReadOnlySpan<byte> utf8, string text)
        {
            if (Ascii.Equals(utf8, text)) return true;
            if (Ascii.IsValid(utf8) || utf8.Length > StackChars) return false;
            Span<char> chars = stackalloc char[StackChars];
            return chars[..Encoding.UTF8.GetChars(utf8, chars)].SequenceEqual(text);
        }
    }

    /// <summary>
    /// Shares one boxed value per number of a column: amounts are mostly round (a full replay's asset costs take
    /// some 8,700 values and incomes 1,600, over 128,655 customers), and a customer waiting in the join's state
    /// would keep a box of its own for each. A fixed table as <see cref="StringCache"/>'s, keyed by the bits, so −0 stays −0.
    /// </summary>
    private sealed class NumberCache
    {
        private readonly object?[] _slots = new object?[1 << NumberCacheBits];

        public object Get(double number)
        {
            var bits = BitConverter.DoubleToInt64Bits(number);
            // Fibonacci hashing: the top bits of the product spread round numbers over the table.
            var slot = (int)((ulong)bits * 0x9E3779B97F4A7C15UL >> (64 - NumberCacheBits));
            if (_slots[slot] is { } cached && BitConverter.DoubleToInt64Bits((double)cached) == bits) return cached;
            return _slots[slot] = number;
        }
    }
}
