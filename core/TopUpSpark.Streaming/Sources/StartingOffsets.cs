namespace TopUpSpark.Streaming.Sources;

/// <summary>Where a query without a checkpoint starts reading (Spark's <c>startingOffsets</c>).</summary>
public enum StartingOffsets
{
    Earliest,
    Latest,
}
