using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace TopUpSpark.Core.Messages;

/// <summary>
/// Which micro-batch of which query a message on an output topic comes from: the query's id (stable
/// across restarts, kept in its checkpoint), its name, the batch id, and the tasks (partition numbers of
/// the co-partitioned inputs) whose rows the message covers. A batch replayed after a crash publishes
/// the same part again; a reader that has seen a (query, batch, key) for every one of its tasks drops it.
/// Carried as Kafka headers, so the message values keep the DESIGN §3 contract.
/// </summary>
public sealed record BatchPart(Guid QueryId, string QueryName, long BatchId, IReadOnlyList<int> Tasks)
{
    public const string QueryIdHeader = "query.id";
    public const string QueryNameHeader = "query.name";
    public const string BatchIdHeader = "batch.id";
    public const string TasksHeader = "tasks";

    public void AddTo(Headers headers)
    {
        headers.Add(QueryIdHeader, Encoding.UTF8.GetBytes(QueryId.ToString("D")));
        headers.Add(QueryNameHeader, Encoding.UTF8.GetBytes(QueryName));
        headers.Add(BatchIdHeader, Encoding.UTF8.GetBytes(BatchId.ToString(CultureInfo.InvariantCulture)));
        headers.Add(TasksHeader, Encoding.UTF8.GetBytes(string.Join(',', Tasks)));
    }

    public Headers ToHeaders()
    {
        var headers = new Headers();
        AddTo(headers);
        return headers;
    }

    /// <summary>
    /// Reads the part from a message's headers. Null when the message has none of them (a producer that is
    /// not a TopUpSpark job); <paramref name="error"/> says why when they are there but malformed.
    /// </summary>
    public static BatchPart? TryRead(Headers? headers, out string? error)
    {
        error = null;
        if (headers is null) return null;
        string? Text(string name) => headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
        var queryId = Text(QueryIdHeader);
        var batchId = Text(BatchIdHeader);
        var tasks = Text(TasksHeader);
        if (queryId is null && batchId is null && tasks is null) return null;
        if (!Guid.TryParseExact(queryId, "D", out var id))
        {
            error = $"header {QueryIdHeader} '{queryId}' is not a query id";
            return null;
        }
        if (!long.TryParse(batchId, NumberStyles.None, CultureInfo.InvariantCulture, out var batch))
        {
            error = $"header {BatchIdHeader} '{batchId}' is not a batch id";
            return null;
        }
        var taskList = new List<int>();
        foreach (var task in (tasks ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(task, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                error = $"header {TasksHeader} '{tasks}' is not a list of task numbers";
                return null;
            }
            taskList.Add(number);
        }
        if (taskList.Count == 0)
        {
            error = $"header {TasksHeader} names no task";
            return null;
        }
        return new BatchPart(id, Text(QueryNameHeader) ?? "", batch, taskList);
    }

    public override string ToString() => $"query {QueryName} ({QueryId:D}) batch {BatchId} tasks {string.Join(',', Tasks)}";
}
