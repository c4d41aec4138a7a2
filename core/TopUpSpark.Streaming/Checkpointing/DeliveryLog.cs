using System.Globalization;
using TopUpSpark.Streaming.Sinks;

namespace TopUpSpark.Streaming.Checkpointing;

/// <summary>
/// The batches a sink delivered, for which tasks, so that a replayed batch is not handed to it again for
/// those: a file <c>&lt;batch&gt;-&lt;tasks&gt;</c> per delivered batch, written after the sink returned. A
/// replay — whose tasks may since run on several instances — asks per task.
/// </summary>
public sealed class DeliveryLog(ICheckpointStorage storage, string folder)
{
    /// <summary>The tasks for which batch <paramref name="batchId"/> was delivered.</summary>
    public HashSet<int> Delivered(long batchId)
    {
        var prefix = Number(batchId) + "-";
        var tasks = new HashSet<int>();
        foreach (var name in storage.List(folder).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
            if (TaskSet.TryParse(name[prefix.Length..], out var delivered)) tasks.UnionWith(delivered);
        return tasks;
    }

    public void Record(long batchId, IReadOnlyCollection<int> tasks) => storage.Write($"{folder}/{Number(batchId)}-{TaskSet.Format(tasks)}", _ => { });

    /// <summary>Removes the records of batches before <paramref name="batchId"/> whose tasks are all among <paramref name="tasks"/> (those of other instances are theirs to remove).</summary>
    public void RemoveBefore(long batchId, IReadOnlySet<int> tasks)
    {
        foreach (var name in storage.List(folder))
        {
            var dash = name.IndexOf('-');
            if (dash > 0 && long.TryParse(name[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id < batchId
                && TaskSet.TryParse(name[(dash + 1)..], out var delivered) && delivered.IsSubsetOf(tasks))
                storage.Delete($"{folder}/{name}");
        }
    }

    private static string Number(long batchId) => batchId.ToString(CultureInfo.InvariantCulture);
}
