using System.Text;
using NUnit.Framework;
using TopUpSpark.Core.Messages;
using TopUpSpark.Core.Schema;

namespace TopUpSpark.Core.Tests;

/// <summary>
/// The decoder reads messages in the producers' form on a fast path and every other form through
/// <c>Utf8JsonReader</c>. Whatever the form, the same JSON must give the same row, the same invalid-value
/// counts and, when it breaks the contract, the same reason.
/// </summary>
public class TypedMessageDecoderTests
{
    private static readonly DatasetSchema Bureau = TopUpSchema.Default.Bureau;

    /// <summary>A bureau row with a value of every kind: numbers that do and do not parse, empty cells, flags, dates, long and non-ASCII text.</summary>
    private static string[] Values() => Bureau.Columns.Select((column, i) => column.Type switch
    {
        ColumnType.Number => i % 3 == 0 ? "not a number" : i % 3 == 1 ? "" : "3,60,600",
        ColumnType.Flag => "TRUE",
        ColumnType.Date => i % 2 == 0 ? "30-11-2016" : "31-02-2016",
        _ => column.Name == Bureau.KeyColumn ? "42" : i % 2 == 0 ? "Tractor Loan – é" : string.Join(",", Enumerable.Range(0, 60).Select(d => $"2016{d:D4}")),
    }).ToArray();

    private static byte[] Canonical(string[] values) => InputMessageCodec.Encode(Bureau.ColumnNames.ToArray(), values, "ts", "1700000000");

    /// <summary>The same object written with spaces after every colon and comma: valid JSON the fast path does not take.</summary>
    private static byte[] Spaced(string[] values) =>
        Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Canonical(values)).Replace("\":\"", "\": \"").Replace("\",\"", "\", \""));

    /// <summary>The same object with every 'e' in names and values escaped as \u0065.</summary>
    private static byte[] Escaped(string[] values) =>
        Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Canonical(values)).Replace("e", "\\u0065"));

    private static (object?[] Row, int[] Invalid, bool Ok, string? Error) Decode(TypedMessageDecoder decoder, byte[] json)
    {
        var row = new object?[Bureau.Columns.Count + 1];
        var invalid = new int[Bureau.Columns.Count];
        var ok = decoder.TryDecode(json, row, invalid, out var error);
        return (row, invalid, ok, error);
    }

    [Test]
    public void Every_form_of_a_message_decodes_to_the_same_row_and_invalid_counts()
    {
        var values = Values();
        var all = new TypedMessageDecoder(Bureau.Columns, "ts");
        var pruned = new TypedMessageDecoder(Bureau.Columns, "ts", decodedColumns: new HashSet<int> { 0, 1, 3, 12, 14 });
        foreach (var decoder in new[] { all, pruned })
        {
            var canonical = Decode(decoder, Canonical(values));
            Assert.That(canonical.Ok, Is.True, canonical.Error);
            Assert.That(canonical.Invalid.Sum(), Is.GreaterThan(0), "the message has values that do not parse");
            Assert.That(canonical.Row[^1], Is.EqualTo(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)), "cast, the event time is the time it gives");
            foreach (var other in new[] { Spaced(values), Escaped(values) })
            {
                var decoded = Decode(decoder, other);
                Assert.That(decoded.Ok, Is.True, decoded.Error);
                Assert.That(decoded.Row, Is.EqualTo(canonical.Row));
                Assert.That(decoded.Invalid, Is.EqualTo(canonical.Invalid));
            }
        }
    }

    [Test]
    public void A_message_in_the_producers_form_keeps_its_text_exactly()
    {
        var values = Values();
        var strings = InputMessageCodec.TryDecode(Canonical(values), Bureau, "ts", out var decoded, out var ts, out var error);
        Assert.That(strings, Is.True, error);
        Assert.That(decoded, Is.EqualTo(values));
        Assert.That(ts, Is.EqualTo("1700000000"));
    }

    [TestCase("soon")]
    [TestCase("1700000000.5")]
    [TestCase("")]
    public void An_event_time_that_is_not_a_unix_time_in_seconds_stays_its_text_in_any_form(string eventTime)
    {
        var canonical = InputMessageCodec.Encode(Bureau.ColumnNames.ToArray(), Values(), "ts", eventTime);
        var spaced = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(canonical).Replace("\":\"", "\": \""));
        foreach (var json in new[] { canonical, spaced })
        {
            var decoded = Decode(new TypedMessageDecoder(Bureau.Columns, "ts"), json);
            Assert.That(decoded.Ok, Is.True, "the message is the contract's; the caller decides what a bad event time means");
            Assert.That(decoded.Row[^1], Is.EqualTo(eventTime));
        }
    }

    [Test]
    public void Rows_with_the_same_amount_share_one_value_and_minus_zero_keeps_its_sign()
    {
        var amount = Bureau.Columns.Select((c, i) => (c, i)).First(x => x.c.Type == ColumnType.Number).i;
        var decoder = new TypedMessageDecoder(Bureau.Columns, "ts");
        object? AmountOf(string text)
        {
            var values = Values();
            values[amount] = text;
            var decoded = Decode(decoder, InputMessageCodec.Encode(Bureau.ColumnNames.ToArray(), values, "ts", "1700000000"));
            Assert.That(decoded.Ok, Is.True, decoded.Error);
            return decoded.Row[amount];
        }

        var first = AmountOf("3,60,600");
        Assert.That(AmountOf("360600"), Is.SameAs(first), "one boxed 360600.0 for every row that has it");
        Assert.That(AmountOf("0"), Is.EqualTo(0.0));
        var minusZero = AmountOf("-0");
        Assert.That(double.IsNegative((double)minusZero!), Is.True, "−0 is not the cached +0");
        Assert.That(AmountOf("0"), Is.Not.SameAs(minusZero));
    }

    /// <summary>
    /// The decoder shares instances of repeated values through small tables that values of the same slot replace
    /// in turns: far more distinct values than the tables hold, decoded by several threads at once in every
    /// form, must each come back as exactly their own value, and a repeated value as one instance.
    /// </summary>
    [Test]
    public void Values_stay_exact_when_more_distinct_values_than_the_shared_instances_arrive_from_several_threads()
    {
        var category = Bureau.Columns.Select((c, i) => (c, i)).First(x => x.c.Type == ColumnType.String && x.c.Name != Bureau.KeyColumn).i;
        var amount = Bureau.Columns.Select((c, i) => (c, i)).First(x => x.c.Type == ColumnType.Number).i;
        var decoder = new TypedMessageDecoder(Bureau.Columns, "ts");
        static string CategoryText(int n) => n % 1000 == 0 ? " " : n % 7 == 0 ? $"Gold Loan é{n}" : $"Tractor Loan {n}";
        (object? Category, object? Amount) DecodeNumber(int n, bool spaced)
        {
            var values = Values();
            values[category] = CategoryText(n);
            values[amount] = (n * 100).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var decoded = Decode(decoder, spaced ? Spaced(values) : Canonical(values));
            Assert.That(decoded.Ok, Is.True, decoded.Error);
            return (decoded.Row[category], decoded.Row[amount]);
        }

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, thread =>
        {
            for (var n = thread; n < 40_000; n += 4)
            {
                var (text, number) = DecodeNumber(n, spaced: n % 5 == 0);
                var expected = string.IsNullOrWhiteSpace(CategoryText(n)) ? null : CategoryText(n);
                if (!Equals(text, expected)) failures.Add($"{n}: category {text ?? "null"} for {expected ?? "null"}");
                if (!Equals(number, n * 100.0)) failures.Add($"{n}: amount {number} for {n * 100.0}");
            }
        });
        Assert.That(failures, Is.Empty);

        var (firstText, firstNumber) = DecodeNumber(12_345, spaced: false);
        var (againText, againNumber) = DecodeNumber(12_345, spaced: false);
        Assert.That(againText, Is.SameAs(firstText), "a category value repeated shares one string");
        Assert.That(againNumber, Is.SameAs(firstNumber), "an amount repeated shares one box");
        var (nonAsciiText, _) = DecodeNumber(14, spaced: false);
        Assert.That(DecodeNumber(14, spaced: false).Category, Is.SameAs(nonAsciiText), "also a value that is not ASCII");
    }

    /// <summary>Contract breaches written without whitespace, as a producer would write them.</summary>
    [TestCase("""{"ID":"5"}""", "missing event time")]
    [TestCase("""{"ID":"5","ts":"1"}""", "missing column")]
    [TestCase("""{"ID":"5","bogus":"x","ts":"1"}""", "unexpected column 'bogus'")]
    [TestCase("""{"ID":5,"ts":"1"}""", "not a JSON string")]
    [TestCase("""{"ID":"5","ts":"1\""", "malformed JSON")]
    [TestCase("""{"ID":"5","ts":"1"}}""", "malformed JSON")]
    [TestCase("""{"ID":"5","ts":"1"}x""", "malformed JSON")]
    [TestCase("""{}""", "missing event time")]
    [TestCase("""{"ID":"a""", "malformed JSON")]
    public void A_broken_message_in_the_producers_form_is_rejected_with_the_reason_any_form_gets(string json, string reason)
    {
        var decoded = Decode(new TypedMessageDecoder(Bureau.Columns, "ts"), Encoding.UTF8.GetBytes(json));
        Assert.That(decoded.Ok, Is.False);
        Assert.That(decoded.Error, Does.Contain(reason));
    }

    [Test]
    public void A_complete_message_with_one_column_twice_keeps_the_last_value()
    {
        var values = Values();
        var json = Encoding.UTF8.GetString(Canonical(values)).Replace("{\"ID\":\"42\",", "{\"ID\":\"41\",\"ID\":\"42\",");
        var decoded = Decode(new TypedMessageDecoder(Bureau.Columns, "ts"), Encoding.UTF8.GetBytes(json));
        Assert.That(decoded.Ok, Is.True, decoded.Error);
        Assert.That(decoded.Row[Bureau.KeyOrdinal], Is.EqualTo("42"));
    }

    [Test]
    public void A_complete_message_followed_by_anything_is_malformed()
    {
        var decoder = new TypedMessageDecoder(Bureau.Columns, "ts");
        foreach (var tail in new[] { "x", "}", ",{}" })
        {
            var decoded = Decode(decoder, [.. Canonical(Values()), .. Encoding.UTF8.GetBytes(tail)]);
            Assert.That(decoded.Ok, Is.False, tail);
            Assert.That(decoded.Error, Does.Contain("malformed JSON"), tail);
        }
    }

    [TestCase("ID")]
    [TestCase("ts")]
    [TestCase("REPORTED DATE - HIST")]
    public void Invalid_utf8_in_any_value_is_rejected_in_any_form(string column)
    {
        var values = Values();
        var canonical = Encoding.UTF8.GetString(Canonical(values));
        var marked = canonical.Replace($"\"{column}\":\"", $"\"{column}\":\"#");
        Assert.That(marked, Is.Not.EqualTo(canonical));
        var decoder = new TypedMessageDecoder(Bureau.Columns, "ts");
        foreach (var form in new[] { marked, marked.Replace("\":\"", "\": \"") })
        {
            // A lone continuation byte where the '#' is.
            var bytes = Encoding.UTF8.GetBytes(form);
            bytes[Array.IndexOf(bytes, (byte)'#')] = 0x80;
            var decoded = Decode(decoder, bytes);
            Assert.That(decoded.Ok, Is.False);
            Assert.That(decoded.Error, Is.EqualTo("not valid UTF-8"));
        }
    }
}
