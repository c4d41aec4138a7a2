namespace TopUpSpark.Streaming.Operators;

/// <summary>The aggregates a window aggregation computes.</summary>
public enum AggregateKind
{
    /// <summary><c>sum(col)</c> of doubles: nulls ignored; null when every value was null.</summary>
    Sum,
    /// <summary><c>count(DISTINCT col)</c>: exact number of distinct non-null values.</summary>
    CountDistinct,
}

/// <summary>One output column of an aggregation: <c>kind(input) AS output</c>.</summary>
public sealed record AggregateFunction(string Output, AggregateKind Kind, string Input)
{
    public static AggregateFunction Sum(string input, string? output = null) => new(output ?? $"sum({input})", AggregateKind.Sum, input);

    public static AggregateFunction CountDistinct(string input, string? output = null) =>
        new(output ?? $"count(DISTINCT {input})", AggregateKind.CountDistinct, input);
}
