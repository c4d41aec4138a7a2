namespace TopUpSpark.Core;

/// <summary>Default topic names of DESIGN §3; every program can override them by flag.</summary>
public static class Topics
{
    public const string Customer = "customer";
    public const string Bureau = "bureau";
    public const string TopUpByState = "topup-by-state";

    /// <summary>Each job batch's late rows dropped, dead letters and more (<see cref="Messages.BatchHealthMessage"/>), for the dashboard.</summary>
    public const string Progress = "topup-progress";

    /// <summary>Where a consumer of <paramref name="topic"/> sends messages it cannot use.</summary>
    public static string DeadLetter(string topic) => topic + ".dlq";

    public static readonly IReadOnlyList<string> All = [Customer, Bureau, TopUpByState, Progress];
}
