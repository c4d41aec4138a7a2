namespace TopUpSpark.Producer;

/// <summary>A CSV row the producer skipped, with the line it starts on (the header is line 1).</summary>
public sealed record RejectedRow(string File, long Line, string Reason)
{
    public override string ToString() => $"{File} line {Line}: {Reason}";
}
