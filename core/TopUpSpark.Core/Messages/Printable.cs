using System.Text;

namespace TopUpSpark.Core.Messages;

/// <summary>
/// Makes text from messages safe to print in logs and terminals: control characters (which could move
/// the cursor or recolour a terminal) become <c>\uXXXX</c>, and long values are cut.
/// </summary>
public static class Printable
{
    public static string Text(string? value, int maxLength = 200)
    {
        if (value is null) return "(none)";
        var builder = new StringBuilder(Math.Min(value.Length, maxLength) + 8);
        foreach (var c in value)
        {
            if (builder.Length >= maxLength)
            {
                builder.Append('…');
                break;
            }
            if (char.IsControl(c) || c is '\u2028' or '\u2029') builder.Append($"\\u{(int)c:x4}");
            else builder.Append(c);
        }
        return builder.ToString();
    }

    public static string Bytes(ReadOnlySpan<byte> value, int maxLength = 200) =>
        Text(Encoding.UTF8.GetString(value[..Math.Min(value.Length, maxLength * 4)]), maxLength);
}
