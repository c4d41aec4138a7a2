using TopUpSpark.Core.Messages;
using TopUpSpark.Streaming.Execution;

namespace TopUpSpark.Streaming.Sinks;

/// <summary>Where rejected input messages go, with their reason and original bytes.</summary>
public interface IDeadLetterSink
{
    /// <param name="batch">The batch that rejected them; a replayed batch sends the same letters again, with the same batch.</param>
    void Send(BatchPart batch, IReadOnlyCollection<DeadLetter> letters);
}
