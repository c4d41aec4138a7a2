using System.Globalization;

namespace TopUpSpark.Core.Schema;

/// <summary>Result of casting one raw string.</summary>
public enum CastStatus
{
    /// <summary>Parsed into a value.</summary>
    Ok,
    /// <summary>The cell was empty (or absent): null, and not an error.</summary>
    Empty,
    /// <summary>The cell held something that does not parse as the column's type: null, and counted.</summary>
    Invalid,
}

/// <summary>
/// The casting rules of DESIGN §3. Numbers lose thousands separators (<c>1,20,000</c>) and unit
/// suffixes (<c>5,000/Monthly</c>); flags map TRUE/FALSE to 1/0; dates use the column's formats,
/// read as UTC; anything else that does not parse becomes null with <see cref="CastStatus.Invalid"/>.
/// </summary>
public static class ValueCaster
{
    /// <summary>Casts <paramref name="raw"/> to the column's type: double, string or DateTimeOffset (UTC).</summary>
    public static CastStatus Cast(ColumnSpec column, string? raw, out object? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(raw))
            return CastStatus.Empty;
        switch (column.Type)
        {
            case ColumnType.String:
                value = raw;
                return CastStatus.Ok;
            case ColumnType.Number:
                if (!TryParseNumber(raw, out var number)) return CastStatus.Invalid;
                value = number;
                return CastStatus.Ok;
            case ColumnType.Flag:
                if (!TryParseFlag(raw, out var flag)) return CastStatus.Invalid;
                value = flag;
                return CastStatus.Ok;
            case ColumnType.Date:
                if (!TryParseDate(raw, column.DateFormats, out var date)) return CastStatus.Invalid;
                value = date;
                return CastStatus.Ok;
            case ColumnType.Timestamp:
                if (!TryParseUnixSeconds(raw, out var ts)) return CastStatus.Invalid;
                value = ts;
                return CastStatus.Ok;
            default:
                throw new ArgumentOutOfRangeException(nameof(column), column.Type, "unknown column type");
        }
    }

    /// <summary>
    /// Parses a number written with thousands separators and an optional unit suffix. The suffix must
    /// be separated from the digits by '/', '%' or white space, or start with a letter ("12 Months",
    /// "5,000/Monthly", "80%"). Words without digits ("Unknown"), NaN and infinities are rejected.
    /// </summary>
    public static bool TryParseNumber(ReadOnlySpan<char> text, out double value)
    {
        value = 0;
        text = text.Trim();
        Span<char> digits = stackalloc char[Math.Min(text.Length, 64)];
        if (text.Length > 64) return false;
        var length = 0;
        var i = 0;
        if (i < text.Length && (text[i] == '-' || text[i] == '+')) digits[length++] = text[i++];
        var sawDigit = false;
        var sawPoint = false;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c)) { digits[length++] = c; sawDigit = true; }
            else if (c == ',' && sawDigit && !sawPoint) { /* thousands separator, Indian or Western grouping */ }
            else if (c == '.' && !sawPoint) { digits[length++] = c; sawPoint = true; }
            else break;
        }
        if (!sawDigit) return false;
        if (i < text.Length)
        {
            var c = text[i];
            var isSuffix = c == '/' || c == '%' || char.IsWhiteSpace(c) || (char.IsLetter(c) && c != 'e' && c != 'E');
            if (!isSuffix) return false;
        }
        if (!sawPoint && TryParseSmallInteger(digits[..length], out value)) return true;
        return double.TryParse(digits[..length], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
            CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// Most amounts are whole numbers: with at most 15 digits they are exact in a long and in a double,
    /// so summing the digits gives what <c>double.TryParse</c> does, several times faster.
    /// </summary>
    private static bool TryParseSmallInteger(ReadOnlySpan<char> digits, out double value)
    {
        value = 0;
        var negative = digits[0] == '-';
        var unsigned = digits[0] is '-' or '+' ? digits[1..] : digits;
        if (unsigned.Length > 15) return false;
        long whole = 0;
        foreach (var c in unsigned) whole = whole * 10 + (c - '0');
        // -0 keeps its sign, as double.TryParse gives it.
        value = negative ? -(double)whole : whole;
        return true;
    }

    public static bool TryParseFlag(ReadOnlySpan<char> text, out double value)
    {
        text = text.Trim();
        if (text.Equals("TRUE", StringComparison.OrdinalIgnoreCase) || text is "1") { value = 1; return true; }
        if (text.Equals("FALSE", StringComparison.OrdinalIgnoreCase) || text is "0") { value = 0; return true; }
        value = 0;
        return false;
    }

    public static bool TryParseDate(ReadOnlySpan<char> text, IReadOnlyList<string> formats, out DateTimeOffset value)
    {
        text = text.Trim();
        foreach (var format in formats)
        {
            if (DateTimeOffset.TryParseExact(text, format, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value))
                return true;
        }
        value = default;
        return false;
    }

    /// <summary>Whole Unix seconds within DateTimeOffset's range; anything else is not an event time.</summary>
    public static bool TryParseUnixSeconds(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;
        if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
            return false;
        if (seconds < MinUnixSeconds || seconds > MaxUnixSeconds) return false;
        value = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    private static readonly long MinUnixSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();
    private static readonly long MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();
}
