using System.Text.Json.Nodes;

namespace TopUpSpark.Consumer.Kafka;

/// <summary>Where a <see cref="LiveTopicReader"/> reads from and how far it got: what every page's status shows first.</summary>
public sealed record ReaderConnection(
    string Topic,
    string BootstrapServers,
    string GroupId,
    DateTimeOffset StartedAt,
    bool Connected,
    int AssignedPartitions,
    int PositionedPartitions,
    long? Lag)
{
    public static ReaderConnection Starting(string topic, string bootstrapServers, string groupId, DateTimeOffset startedAt) =>
        new(topic, bootstrapServers, groupId, startedAt, Connected: false, AssignedPartitions: 0, PositionedPartitions: 0, Lag: null);

    /// <summary>Connected, with every assigned partition positioned: a message produced now will be read.</summary>
    public bool Ready => Connected && AssignedPartitions > 0 && PositionedPartitions == AssignedPartitions;

    /// <summary>The fields the pages' scripts read, written into a page's status object.</summary>
    public JsonObject AddTo(JsonObject status, Func<DateTimeOffset, string> time)
    {
        status["topic"] = Topic;
        status["bootstrapServers"] = BootstrapServers;
        status["groupId"] = GroupId;
        status["startedAt"] = time(StartedAt);
        status["connected"] = Connected;
        status["ready"] = Ready;
        status["assignedPartitions"] = AssignedPartitions;
        status["positionedPartitions"] = PositionedPartitions;
        status["lag"] = Lag;
        return status;
    }
}
