using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Messages;
using TopUpSpark.Streaming.Operators;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Job;

/// <summary>
/// The foreachBatch of course step 2.8: logs the epoch id and the number of predicted top-ups, and
/// publishes, for every window end in the batch, the per-state counts of the batch's tasks to the output
/// topic (key = window end, DESIGN §3). Once for readers: the query runs it with <c>once</c>, so the engine
/// records each batch (per task) that Kafka acknowledged and a batch replayed after a crash is normally
/// not published again; a crash between the acknowledgement and that record publishes it again, with the
/// same headers (<see cref="BatchPart"/>: query id, batch id, tasks), by which readers such as the
/// dashboard drop the repeat. Several instances of the query each publish the parts of their tasks.
/// </summary>
public sealed class StateCountsPublisher : IDisposable
{
    private readonly IProducer<string, byte[]> _producer;
    private readonly string _topic;
    private readonly ILogger _log;
    // A batch whose messages Kafka does not acknowledge within the outage limit fails, and is published again when it is retried.
    private readonly KafkaOutage _outage;
    private readonly string _stateColumn;

    /// <param name="stateColumn">The column the counts group by.</param>
    public StateCountsPublisher(ProducerConfig config, string topic, string stateColumn, KafkaOutage outage, KafkaClientLog log)
    {
        _stateColumn = stateColumn;
        _producer = new ProducerBuilder<string, byte[]>(config).LogTo(log).Build();
        _topic = topic;
        _outage = outage;
        // Connect now rather than in the first batch that has something to publish, and fail early when the
        // topic's brokers cannot be reached.
        using (var admin = new DependentAdminClientBuilder(_producer.Handle).Build())
            outage.Retry($"connecting to publish to {topic}", () => admin.GetMetadata(topic, TimeSpan.FromSeconds(10)));
        // Group, sort and encode made-up rows once (two windows, several states, a missing one), so the first
        // batch with predictions does not also pay for compiling that code: 5–30 ms measured at the course's rate.
        var someWindow = DateTimeOffset.UnixEpoch;
        object?[][] madeUp = [[someWindow, "A"], [someWindow, "B"], [someWindow, "B"], [someWindow.AddSeconds(30), null]];
        foreach (var message in ByWindowEnd(madeUp, windowEndOrdinal: 0, stateOrdinal: 1)) message.EncodeValue();
        _log = log.Logger;
    }

    public long MessagesPublished { get; private set; }
    public long TopUpsPublished { get; private set; }

    public void Publish(IReadOnlyList<object?[]> predictedTopUps, RowSchema schema, BatchPart batch)
    {
        var batchId = batch.BatchId;
        _log.LogInformation("epoch {Batch}: {Count} predicted top-up(s)", batchId, predictedTopUps.Count);
        if (predictedTopUps.Count == 0) return;
        var windowEnd = schema.Ordinal(WindowAggregate.WindowEndColumn);
        var state = schema.Ordinal(_stateColumn);
        var messages = ByWindowEnd(predictedTopUps, windowEnd, state);
        _producer.ProduceAndWait(messages.Select(message => (_topic, new Message<string, byte[]>
        {
            Key = message.Key,
            Value = message.EncodeValue(),
            Headers = batch.ToHeaders(),
        })).ToList(), _outage, $"publishing epoch {batchId} to {_topic}");
        MessagesPublished += messages.Count;
        TopUpsPublished += predictedTopUps.Count;
        foreach (var message in messages)
            _log.LogInformation("published window ending {WindowEnd} UTC: {Total} top-up(s) in {States} state(s)", message.Key, message.Total, message.Counts.Count);
    }

    /// <summary>One message per window end: states by descending count, then by name; a missing state is reported as such.</summary>
    public static IReadOnlyList<StateCountsMessage> ByWindowEnd(IEnumerable<object?[]> rows, int windowEndOrdinal, int stateOrdinal) =>
        rows.GroupBy(r => (DateTimeOffset)r[windowEndOrdinal]!)
            .OrderBy(g => g.Key)
            .Select(g => new StateCountsMessage(g.Key, g
                .GroupBy(r => (string?)r[stateOrdinal] ?? "UNKNOWN")
                .Select(s => new StateCount(s.Key, s.LongCount()))
                .OrderByDescending(s => s.Count).ThenBy(s => s.State, StringComparer.Ordinal)
                .ToList()))
            .ToList();

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
    }
}
