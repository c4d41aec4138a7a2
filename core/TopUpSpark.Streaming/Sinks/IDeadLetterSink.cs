using TopUpSpark.Streaming.Execution;

namespace TopUpSpark.Streaming.Sinks;

/// <summary>Where rejected input messages go, with their reason and original bytes.</summary>
public interface IDeadLetterSink
{
    void Send(long batchId, IReadOnlyCollection<DeadLetter> letters);
}
