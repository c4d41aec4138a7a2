using Confluent.Kafka;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;
using TopUpSpark.Analytics.Sql;
using TopUpSpark.Core.Messages;

namespace TopUpSpark.Analytics.Kafka;

/// <summary>
/// Loads what the job published to Kafka into DuckDB tables, each published thing once:
/// <list type="bullet">
/// <item><c>topup_by_state</c>: a row per window, state and batch part of the per-state counts topic. A batch
/// replayed after a crash publishes its parts again with the same <see cref="BatchPart"/> headers; a part whose
/// tasks were all counted in its window already is left out, as the dashboard does (<see cref="AppliedParts"/>).
/// A message that breaks the contract (<see cref="StateCountsMessage"/>) is left out and reported.</item>
/// <item><c>dead_letters</c>: a row per rejected input message. Letters are sent at least once; a repeat names the
/// same origin (topic, partition, offset) and is left out.</item>
/// </list>
/// </summary>
public sealed class TopicViews(KafkaTopicReader reader, ILogger log)
{
    public const string TopUpByState = "topup_by_state";
    public const string DeadLetters = "dead_letters";

    public static readonly IReadOnlyList<string> All = [TopUpByState, DeadLetters];

    /// <summary>What was left out, for the tests and the log.</summary>
    public sealed record Loaded(int Rows, int Repeats, int Rejected);

    public Loaded LoadTopUpByState(DuckDBConnection connection, string topic)
    {
        Execute(connection, $"""
            CREATE OR REPLACE TABLE {TopUpByState} (
                window_end TIMESTAMPTZ, state VARCHAR, count BIGINT,
                query_id VARCHAR, query_name VARCHAR, batch_id BIGINT, tasks VARCHAR,
                kafka_partition INTEGER, kafka_offset BIGINT, published_at TIMESTAMPTZ)
            """);
        var offsets = reader.Offsets(topic);
        if (offsets is null)
        {
            log.LogWarning("topic {Topic} does not exist on {Bootstrap}: view {View} is empty", topic, reader.BootstrapServers, TopUpByState);
            return new Loaded(0, 0, 0);
        }
        var applied = new AppliedParts(windowLimit: int.MaxValue);
        int rows = 0, repeats = 0, rejected = 0;
        string? firstRejection = null;
        using (var appender = connection.CreateAppender(TopUpByState))
        {
            foreach (var result in reader.Read(offsets, ReadRange.Everything))
            {
                var message = result.Message;
                var where = $"{topic}[{result.Partition.Value}]@{result.Offset.Value}";
                var part = BatchPart.TryRead(message.Headers, out var headerError);
                string? error = null;
                if (headerError is not null || !StateCountsMessage.TryDecode(TopicMessages.Text(message.Key), message.Value ?? [], out var counts, out error))
                {
                    rejected++;
                    firstRejection ??= $"{where}: {headerError ?? error}";
                    continue;
                }
                // Messages of producers that name no batch part are taken as they come.
                if (part is not null)
                {
                    if (applied.AppliedBefore(part, counts!.WindowEnd).SetEquals(part.Tasks))
                    {
                        repeats++;
                        continue;
                    }
                    applied.Record(part, counts.WindowEnd);
                }
                foreach (var count in counts!.Counts)
                {
                    appender.CreateRow()
                        .AppendValue(counts.WindowEnd.UtcDateTime).AppendValue(count.State).AppendValue(count.Count)
                        .AppendValue(part?.QueryId.ToString("D")).AppendValue(part?.QueryName).AppendValue(part?.BatchId)
                        .AppendValue(part is null ? null : string.Join(',', part.Tasks))
                        .AppendValue(result.Partition.Value).AppendValue(result.Offset.Value)
                        .AppendValue(TopicMessages.Timestamp(message)?.UtcDateTime)
                        .EndRow();
                    rows++;
                }
            }
        }
        if (repeats > 0)
            log.LogInformation("{Topic}: {Repeats} message(s) repeat a batch part already counted (a batch replayed after a crash) and are counted once", topic, repeats);
        if (rejected > 0)
            log.LogWarning("{Topic}: {Rejected} message(s) break the per-state counts contract and are left out of {View}; the first: {Reason}",
                topic, rejected, TopUpByState, Printable.Text(firstRejection, 300));
        return new Loaded(rows, repeats, rejected);
    }

    public Loaded LoadDeadLetters(DuckDBConnection connection, IReadOnlyList<string> topics)
    {
        Execute(connection, $"""
            CREATE OR REPLACE TABLE {DeadLetters} (
                kafka_topic VARCHAR, kafka_partition INTEGER, kafka_offset BIGINT, published_at TIMESTAMPTZ,
                reason VARCHAR, source_topic VARCHAR, source_partition INTEGER, source_offset BIGINT,
                key VARCHAR, value VARCHAR, key_truncated_from_bytes BIGINT, value_truncated_from_bytes BIGINT,
                query_id VARCHAR, query_name VARCHAR, batch_id BIGINT, tasks VARCHAR)
            """);
        var origins = new HashSet<(string Topic, long Partition, long Offset)>();
        int rows = 0, repeats = 0;
        using (var appender = connection.CreateAppender(DeadLetters))
        {
            foreach (var topic in topics)
            {
                var offsets = reader.Offsets(topic);
                if (offsets is null)
                {
                    // The job's producer creates a dead-letter topic with its first letter.
                    log.LogDebug("topic {Topic} does not exist on {Bootstrap}: no dead letters from it", topic, reader.BootstrapServers);
                    continue;
                }
                foreach (var result in reader.Read(offsets, ReadRange.Everything))
                {
                    var headers = result.Message.Headers;
                    var sourceTopic = TopicMessages.Header(headers, DeadLetterHeaders.SourceTopic);
                    var sourcePartition = TopicMessages.LongHeader(headers, DeadLetterHeaders.SourcePartition);
                    var sourceOffset = TopicMessages.LongHeader(headers, DeadLetterHeaders.SourceOffset);
                    // Without its origin a letter cannot be told from a repeat, so it is kept.
                    if (sourceTopic is not null && sourcePartition is { } p && sourceOffset is { } o && !origins.Add((sourceTopic, p, o)))
                    {
                        repeats++;
                        continue;
                    }
                    var part = BatchPart.TryRead(headers, out _);
                    appender.CreateRow()
                        .AppendValue(topic).AppendValue(result.Partition.Value).AppendValue(result.Offset.Value)
                        .AppendValue(TopicMessages.Timestamp(result.Message)?.UtcDateTime)
                        .AppendValue(TopicMessages.Header(headers, DeadLetterHeaders.Reason)).AppendValue(sourceTopic)
                        .AppendValue(sourcePartition is { } sp ? (int?)sp : null).AppendValue(sourceOffset)
                        .AppendValue(TopicMessages.Text(result.Message.Key)).AppendValue(TopicMessages.Text(result.Message.Value))
                        .AppendValue(TopicMessages.LongHeader(headers, DeadLetterHeaders.KeyTruncatedFromBytes))
                        .AppendValue(TopicMessages.LongHeader(headers, DeadLetterHeaders.ValueTruncatedFromBytes))
                        .AppendValue(part?.QueryId.ToString("D")).AppendValue(part?.QueryName).AppendValue(part?.BatchId)
                        .AppendValue(part is null ? null : string.Join(',', part.Tasks))
                        .EndRow();
                    rows++;
                }
            }
        }
        if (repeats > 0)
            log.LogInformation("dead letters: {Repeats} repeat(s) of a letter already read (same origin topic, partition and offset) are counted once", repeats);
        return new Loaded(rows, repeats, 0);
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
