using NUnit.Framework;
using TopUpSpark.Core.Messages;

namespace TopUpSpark.Core.Tests;

public class AppliedPartsTests
{
    private static readonly Guid Query = Guid.Parse("0d7c4f4e-3f5e-4c61-9a57-2b1f0e6a8c11");
    private static readonly DateTimeOffset FirstWindow = new(2024, 5, 1, 10, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset Window(int n) => FirstWindow.AddSeconds(30 * n);

    private static BatchPart Part(params int[] tasks) => new(Query, "topup-by-state", 5, tasks);

    [Test]
    public void It_forgets_the_oldest_windows_beyond_its_limit_like_the_history_chart()
    {
        var applied = new AppliedParts(windowLimit: 2);
        foreach (var window in new[] { 2, 0, 1 })
            applied.Record(Part(0, 1), Window(window));

        Assert.That(applied.AppliedBefore(Part(0, 1), Window(0)), Is.Empty, "the oldest window is forgotten");
        Assert.That(applied.AppliedBefore(Part(0, 1), Window(1)), Is.EquivalentTo(new[] { 0, 1 }));
        Assert.That(applied.AppliedBefore(Part(0, 1), Window(2)), Is.EquivalentTo(new[] { 0, 1 }));
    }

    [Test]
    public void It_forgets_the_oldest_windows_once_it_holds_more_task_numbers_than_its_limit()
    {
        var applied = new AppliedParts(windowLimit: 10);
        applied.Record(Part(0, 1, 2), Window(0));
        applied.Record(Part(0), Window(1));
        var invented = Part([.. Enumerable.Range(0, AppliedParts.TaskLimit - 1)]);
        applied.Record(invented, Window(2));

        Assert.That(applied.AppliedBefore(Part(0, 1, 2), Window(0)), Is.Empty);
        Assert.That(applied.AppliedBefore(Part(0), Window(1)), Is.EquivalentTo(new[] { 0 }));
        Assert.That(applied.AppliedBefore(invented, Window(2)), Has.Count.EqualTo(AppliedParts.TaskLimit - 1));
    }
}
