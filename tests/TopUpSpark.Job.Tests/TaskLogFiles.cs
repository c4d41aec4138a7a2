using NUnit.Framework;

namespace TopUpSpark.Job.Tests;

/// <summary>A task's logs (<c>checkpoint/tasks/&lt;p&gt;/log/</c>, one JSON line per offsets or commit record; <c>state/</c>) as a kill leaves them.</summary>
internal static class TaskLogFiles
{
    /// <summary>Cuts the task's log where the commit of <paramref name="batchId"/> begins, as a run killed before that commit leaves it; returns the commit's line.</summary>
    public static string RemoveCommit(string taskFolder, long batchId)
    {
        var commit = $"{{\"commit\":{{\"batchId\":{batchId},";
        foreach (var segment in Directory.GetFiles(Path.Combine(taskFolder, "log")))
        {
            var records = File.ReadAllText(segment);
            var at = records.IndexOf(commit, StringComparison.Ordinal);
            if (at < 0) continue;
            File.WriteAllText(segment, records[..at]);
            return records[at..(records.IndexOf('\n', at) + 1)];
        }
        throw new AssertionException($"{taskFolder} has no commit of batch {batchId}");
    }

    /// <summary>The segment of the task's <paramref name="log"/> (<c>log</c>, <c>state</c>) its last writer appended to: the one of the largest first batch.</summary>
    public static string NewestSegment(string taskFolder, string log) =>
        Directory.GetFiles(Path.Combine(taskFolder, log)).MaxBy(f => long.Parse(Path.GetFileName(f).Split('-')[0])) ?? throw new AssertionException($"{taskFolder} has no {log}");
}
