namespace TopUpSpark.Streaming.Plan;

/// <summary>A <c>withWatermark</c> node: an input of the query whose event-time watermark the engine tracks.</summary>
public interface IEventTimeSource
{
    string InputName { get; }
    TimeSpan Delay { get; }
}
