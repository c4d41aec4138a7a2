using NUnit.Framework;
using TopUpSpark.Core.Schema;

namespace TopUpSpark.Core.Tests;

public class ValueCasterTests
{
    private static readonly ColumnSpec Number = new("AMT", ColumnType.Number);
    private static readonly ColumnSpec Flag = new("SELF-INDICATOR", ColumnType.Flag);
    private static readonly ColumnSpec Date = new("DATE-REPORTED", ColumnType.Date, ["dd-MM-yyyy", "yyyy-MM-dd HH:mm:ss"]);

    [TestCase("1,20,000", 120000d)]
    [TestCase("12,34,56,789", 123456789d)]
    [TestCase("1,200,000.50", 1200000.5d)]
    [TestCase("5,000/Monthly", 5000d)]
    [TestCase("5000/Weekly", 5000d)]
    [TestCase(" 42 ", 42d)]
    [TestCase("-3,500", -3500d)]
    [TestCase("36 Months", 36d)]
    [TestCase("80%", 80d)]
    [TestCase("0", 0d)]
    [TestCase(".5", 0.5d)]
    public void Numbers_lose_separators_and_unit_suffixes(string raw, double expected)
    {
        Assert.That(ValueCaster.Cast(Number, raw, out var value), Is.EqualTo(CastStatus.Ok));
        Assert.That(value, Is.EqualTo(expected));
    }

    [TestCase("7")]
    [TestCase("007")]
    [TestCase("+5")]
    [TestCase("-0")]
    [TestCase("999999999999999")]
    [TestCase("-999999999999999")]
    [TestCase("9007199254740993")]
    [TestCase("12345678901234567890")]
    [TestCase("-0.0")]
    public void Whole_numbers_of_any_length_parse_bit_for_bit_as_double_parse_does(string digits)
    {
        var expected = double.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(ValueCaster.TryParseNumber(digits, out var value), Is.True);
        Assert.That(BitConverter.DoubleToInt64Bits(value), Is.EqualTo(BitConverter.DoubleToInt64Bits(expected)));
    }

    [TestCase("Unknown")]
    [TestCase("NaN")]
    [TestCase("Infinity")]
    [TestCase("1.2.3")]
    [TestCase("12-5")]
    [TestCase("1e5")]
    [TestCase("--1")]
    [TestCase(",000")]
    public void Unparseable_numbers_become_null_and_are_flagged_invalid(string raw)
    {
        Assert.That(ValueCaster.Cast(Number, raw, out var value), Is.EqualTo(CastStatus.Invalid));
        Assert.That(value, Is.Null);
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase(null)]
    public void Empty_cells_are_null_but_not_errors(string? raw)
    {
        Assert.That(ValueCaster.Cast(Number, raw, out var value), Is.EqualTo(CastStatus.Empty));
        Assert.That(value, Is.Null);
    }

    [TestCase("TRUE", 1d)]
    [TestCase("FALSE", 0d)]
    [TestCase("true", 1d)]
    [TestCase(" False ", 0d)]
    public void Flags_map_true_false_to_one_zero(string raw, double expected)
    {
        Assert.That(ValueCaster.Cast(Flag, raw, out var value), Is.EqualTo(CastStatus.Ok));
        Assert.That(value, Is.EqualTo(expected));
    }

    [Test]
    public void A_flag_that_is_neither_true_nor_false_is_invalid()
    {
        Assert.That(ValueCaster.Cast(Flag, "YES", out var value), Is.EqualTo(CastStatus.Invalid));
        Assert.That(value, Is.Null);
    }

    [Test]
    public void Dates_use_the_declared_formats_and_are_utc()
    {
        Assert.That(ValueCaster.Cast(Date, "30-04-2018", out var first), Is.EqualTo(CastStatus.Ok));
        Assert.That(first, Is.EqualTo(new DateTimeOffset(2018, 4, 30, 0, 0, 0, TimeSpan.Zero)));
        Assert.That(((DateTimeOffset)first!).Offset, Is.EqualTo(TimeSpan.Zero));
        Assert.That(ValueCaster.Cast(Date, "2012-02-10 13:45:00", out var second), Is.EqualTo(CastStatus.Ok));
        Assert.That(second, Is.EqualTo(new DateTimeOffset(2012, 2, 10, 13, 45, 0, TimeSpan.Zero)));
        Assert.That(ValueCaster.Cast(Date, "31-02-2018", out _), Is.EqualTo(CastStatus.Invalid));
        Assert.That(ValueCaster.Cast(Date, "2018/04/30", out _), Is.EqualTo(CastStatus.Invalid));
    }

    [TestCase("1700000000", true)]
    [TestCase("-5", true)]
    [TestCase("99999999999999999", false)]
    [TestCase("1700000000.5", false)]
    [TestCase("soon", false)]
    public void Event_times_are_whole_unix_seconds_in_range(string raw, bool ok)
    {
        Assert.That(ValueCaster.TryParseUnixSeconds(raw, out var ts), Is.EqualTo(ok));
        if (ok) Assert.That(ts.ToUnixTimeSeconds(), Is.EqualTo(long.Parse(raw)));
    }
}
