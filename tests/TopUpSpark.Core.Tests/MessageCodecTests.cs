using System.Text;
using NUnit.Framework;
using TopUpSpark.Core.Messages;
using TopUpSpark.Core.Schema;

namespace TopUpSpark.Core.Tests;

public class MessageCodecTests
{
    private static readonly DatasetSchema Bureau = TopUpSchema.Default.Bureau;

    [Test]
    public void Input_messages_round_trip_every_value_as_a_string()
    {
        var headers = Bureau.ColumnNames.ToArray();
        var values = headers.Select((h, i) => i switch { 0 => "42", 1 => "", 2 => "  ", _ => $"v{i}, \"quoted\" é" }).ToArray();
        var bytes = InputMessageCodec.Encode(headers, values, "ts", "1700000000");
        Assert.That(InputMessageCodec.TryDecode(bytes, Bureau, "ts", out var decoded, out var ts, out var error), Is.True, error);
        Assert.That(decoded, Is.EqualTo(values));
        Assert.That(ts, Is.EqualTo("1700000000"));
        Assert.That(Encoding.UTF8.GetString(bytes), Does.Contain("\"ts\":\"1700000000\""));
    }

    [TestCase("not json", "malformed JSON")]
    [TestCase("[1,2]", "not a JSON object")]
    [TestCase("{\"ID\": 5}", "not a JSON string")]
    [TestCase("{\"ID\": \"5\"}", "missing event time")]
    [TestCase("{\"ID\": \"5\", \"ts\": \"1\"}", "missing column")]
    [TestCase("{\"ID\": \"5\", \"bogus\": \"x\", \"ts\": \"1\"}", "unexpected column 'bogus'")]
    [TestCase("{\"ID\": \"5\", \"ts\": \"1\"", "malformed JSON")]
    public void Bad_input_messages_are_rejected_with_a_reason(string json, string reason)
    {
        Assert.That(InputMessageCodec.TryDecode(Encoding.UTF8.GetBytes(json), Bureau, "ts", out _, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(reason));
    }

    [Test]
    public void State_counts_round_trip_with_a_utc_window_end_key()
    {
        var end = new DateTimeOffset(2026, 11, 25, 13, 0, 30, TimeSpan.Zero);
        var message = new StateCountsMessage(end, [new StateCount("GUJARAT", 3), new StateCount("ORISSA", 1)]);
        Assert.That(message.Key, Is.EqualTo("2026-11-25 13:00:30"));
        Assert.That(Encoding.UTF8.GetString(message.EncodeValue()),
            Is.EqualTo("""[{"State":"GUJARAT","count":3},{"State":"ORISSA","count":1}]"""));
        Assert.That(StateCountsMessage.TryDecode(message.Key, message.EncodeValue(), out var decoded, out var error), Is.True, error);
        Assert.That(decoded!.WindowEnd, Is.EqualTo(end));
        Assert.That(decoded.Counts, Is.EqualTo(message.Counts));
        Assert.That(decoded.Total, Is.EqualTo(4));
    }

    [TestCase("2026-11-25 13:00:30", "{\"State\":\"X\"}", "not a JSON array")]
    [TestCase("2026-11-25 13:00:30", "[{\"State\":\"X\",\"count\":-1}]", "non-negative integer")]
    [TestCase("2026-11-25 13:00:30", "[{\"State\":\"X\",\"count\":1.5}]", "non-negative integer")]
    [TestCase("2026-11-25 13:00:30", "[{\"State\":\"X\",\"count\":\"3\"}]", "is not {")]
    [TestCase("2026-11-25 13:00:30", "[{\"State\":\"\",\"count\":3}]", "empty State")]
    [TestCase("2026-11-25 13:00:30", "[{", "not valid JSON")]
    [TestCase("yesterday", "[]", "not a window end")]
    public void Bad_state_count_messages_are_rejected_with_a_reason(string key, string value, string reason)
    {
        Assert.That(StateCountsMessage.TryDecode(key, Encoding.UTF8.GetBytes(value), out _, out var error), Is.False);
        Assert.That(error, Does.Contain(reason));
    }

    [Test]
    public void A_state_count_message_whose_string_is_not_text_is_rejected_with_a_reason_not_an_exception()
    {
        var value = Encoding.UTF8.GetBytes("[{\"State\":\"\\ud800\",\"count\":1}]");
        Assert.That(StateCountsMessage.TryDecode("2026-11-25 00:00:30", value, out var message, out var error), Is.False);
        Assert.That(message, Is.Null);
        Assert.That(error, Does.Contain("not valid text"));
    }
}
