using System.Text;
using NUnit.Framework;
using TopUpSpark.Core.Messages;

namespace TopUpSpark.Core.Tests;

/// <summary>The <c>topup-progress</c> contract (version 1) between the job and the dashboard.</summary>
public class BatchHealthMessageTests
{
    private static readonly Guid Query = Guid.Parse("0c1f6a55-3a0e-4a61-9a43-3c0a2f4d9e11");
    private const string Key = "0c1f6a55-3a0e-4a61-9a43-3c0a2f4d9e11";

    [Test]
    public void A_batch_round_trips_with_the_documented_fields()
    {
        var batch = new BatchHealthMessage(Query, "TopUpSpark", "host-42", 7, [0, 2], new DateTimeOffset(2026, 11, 25, 0, 1, 30, TimeSpan.Zero),
            120, 2, 1, 3, 0, new DateTimeOffset(2026, 11, 25, 0, 1, 0, TimeSpan.Zero));
        var json = Encoding.UTF8.GetString(batch.EncodeValue());

        const string expected =
            """{"version":1,"queryId":"0c1f6a55-3a0e-4a61-9a43-3c0a2f4d9e11","queryName":"TopUpSpark","instance":"host-42","batchId":7,"tasks":[0,2],"timestamp":"2026-11-25T00:01:30.000Z","inputRows":120,"lateRowsDropped":2,"deadLetters":1,"invalidValues":3,"lostRecords":0,"watermark":"2026-11-25T00:01:00.000Z"}""";
        Assert.That(json, Is.EqualTo(expected));
        Assert.That(BatchHealthMessage.TryDecode(batch.Key, batch.EncodeValue(), out var decoded, out var error), Is.True, error);
        Assert.That(decoded! with { Tasks = batch.Tasks }, Is.EqualTo(batch));
        Assert.That(decoded.Tasks, Is.EqualTo(batch.Tasks));
    }

    [Test]
    public void Before_the_first_watermark_it_is_null()
    {
        var batch = new BatchHealthMessage(Query, "q", "i", 0, [1], DateTimeOffset.UnixEpoch, 0, 0, 0, 0, 0, null);
        Assert.That(BatchHealthMessage.TryDecode(Key, batch.EncodeValue(), out var decoded, out var error), Is.True, error);
        Assert.That(decoded!.Watermark, Is.Null);
    }

    private const string Good =
        """{"version":1,"queryId":"0c1f6a55-3a0e-4a61-9a43-3c0a2f4d9e11","queryName":"q","instance":"i","batchId":1,"tasks":[0],"timestamp":"2026-11-25T00:00:00Z","inputRows":1,"lateRowsDropped":0,"deadLetters":0,"invalidValues":0,"lostRecords":0,"watermark":null}""";

    [TestCase("\"version\":1", "\"version\":2", "version 2 is not the version 1 this reader knows")]
    [TestCase(",\"deadLetters\":0", "", "deadLetters")]
    [TestCase("\"lateRowsDropped\":0", "\"lateRowsDropped\":-1", "negative")]
    [TestCase("\"timestamp\":\"2026-11-25T00:00:00Z\"", "\"timestamp\":\"yesterday\"", "not an ISO 8601 UTC time")]
    [TestCase("\"queryName\":\"q\"", "\"queryName\":null", "lacks queryName")]
    [TestCase("{", "[", "not a batch health object")]
    public void A_message_that_breaks_the_contract_is_refused_with_its_reason(string part, string replacement, string reason)
    {
        var value = Good.Replace(part, replacement, StringComparison.Ordinal);
        Assert.That(value, Is.Not.EqualTo(Good));
        Assert.That(BatchHealthMessage.TryDecode(Key, Encoding.UTF8.GetBytes(value), out _, out var error), Is.False);
        Assert.That(error, Does.Contain(reason));
    }

    [Test]
    public void The_key_must_be_the_query_id()
    {
        Assert.That(BatchHealthMessage.TryDecode(Key, Encoding.UTF8.GetBytes(Good), out _, out var error), Is.True, error);
        Assert.That(BatchHealthMessage.TryDecode("another", Encoding.UTF8.GetBytes(Good), out _, out error), Is.False);
        Assert.That(error, Does.Contain("is not the query id"));
    }
}
