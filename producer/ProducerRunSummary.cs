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
