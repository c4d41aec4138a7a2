using System.Globalization;

namespace TopUpSpark.Core.Cli;

/// <summary>
/// An inclusive range of whole counts written <c>MIN-MAX</c> (or a single <c>N</c>, meaning N-N), such as
/// <c>--late 1-3</c>: each use draws a number in it.
/// </summary>
public readonly record struct CountRange(int Min, int Max)
{
    public static readonly CountRange None = new(0, 0);

    public bool IsNone => Max == 0;

    /// <summary>A number from Min to Max inclusive.</summary>
    public int Draw(Random random) => random.Next(Min, Max + 1);

    /// <summary>Reads <c>MIN-MAX</c> or <c>N</c>: whole numbers, not negative, MIN ≤ MAX.</summary>
    public static CountRange Parse(string text)
    {
        var parts = text.Trim().Split('-');
        if (parts.Length is < 1 or > 2 || !parts.All(IsCount))
            throw new FormatException("must be a range MIN-MAX of whole numbers from 0 (e.g. 1-3), or one number");
        var min = int.Parse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture);
        var max = int.Parse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture);
        if (min > max) throw new FormatException($"must have MIN ≤ MAX, got {min} > {max}");
        return new CountRange(min, max);
    }

    public override string ToString() => $"{Min}-{Max}";

    private static bool IsCount(string part) =>
        part.Length is > 0 and <= 9 && part.All(char.IsAsciiDigit);
}
