namespace TopUpSpark.TestSupport;

/// <summary>How long tests wait for what an idle machine does in milliseconds.</summary>
public static class Waits
{
    /// <summary>
    /// Waiting for a local broker's answer, a query's next batch, a message to arrive: the machine has two
    /// cores shared with builds and other suites, so a bound near the usual time fails on a busy one. Only a
    /// hang outlasts this.
    /// </summary>
    public static readonly TimeSpan HangBound = TimeSpan.FromSeconds(60);
}
