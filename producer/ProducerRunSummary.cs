namespace TopUpSpark.Producer;

/// <summary>What a producer run sent. <see cref="DeliveryFailures"/> counts messages Kafka did not acknowledge.</summary>
public sealed record ProducerRunSummary(
    long Batches,
    long CustomerMessages,
    long BureauMessages,
    long Bytes,
    long DeliveryFailures,
    bool ReachedEnd,
    TimeSpan Elapsed)
{
    public long Messages => CustomerMessages + BureauMessages;
}

/// <summary>What a <see cref="CsvStreamProducer"/> run sent. <see cref="DeliveryFailures"/> counts messages Kafka did not acknowledge.</summary>
public sealed record StreamRunSummary(long Batches, long Messages, long Bytes, long DeliveryFailures, TimeSpan Elapsed);
