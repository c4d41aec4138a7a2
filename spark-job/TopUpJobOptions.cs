using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Job.Ui;
using TopUpSpark.Scoring;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Sources;

namespace TopUpSpark.Job;

/// <summary>Everything the TopUp job can be told; each has a flag (see <see cref="JobCommand"/>).</summary>
public sealed record TopUpJobOptions
{
    public string AppName { get; init; } = "TopUpSpark";
    public int Cores { get; init; } = 2;
    public Trigger Trigger { get; init; } = new Trigger.AsSoonAsPossible();
    public required string OutputDirectory { get; init; }
    public string? CheckpointDirectory { get; init; }
    public required string ModelFile { get; init; }
    public AssemblerInvalidHandling AssemblerInvalid { get; init; } = AssemblerInvalidHandling.Keep;
    public string CustomerTopic { get; init; } = Topics.Customer;
    public string BureauTopic { get; init; } = Topics.Bureau;
    public string OutputTopic { get; init; } = Topics.TopUpByState;
    public string ProgressTopic { get; init; } = Topics.Progress;
    public TimeSpan WatermarkDelay { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan WindowLength { get; init; } = TimeSpan.FromSeconds(30);
    public long? MaxRecordsPerTrigger { get; init; }
    public StartingOffsets StartingOffsets { get; init; } = StartingOffsets.Earliest;
    public bool FailOnDataLoss { get; init; } = true;
    public bool FlushAtEnd { get; init; }
    public int MaxMessageBytes { get; init; } = 1 << 20;
    public TimeSpan MaxEventTimeAhead { get; init; } = TimeSpan.FromDays(1);
    public TimeSpan BrokerTimeout { get; init; } = KafkaOutage.DefaultLimit;
    public string? SchemaFile { get; init; }

    /// <summary>Run as a member of this Kafka consumer group, which shares the tasks out (null: no group).</summary>
    public string? GroupId { get; init; }

    /// <summary>Run only these tasks (null: all of them, unless a group shares them out).</summary>
    public IReadOnlyList<int>? Tasks { get; init; }

    public string Instance { get; init; } = DefaultInstance;

    /// <summary>Redis (HOST:PORT) that receives every customer's latest prediction for topup-api (null: no Redis sink).</summary>
    public string? Redis { get; init; }

    public string RedisKeyPrefix { get; init; } = "topup:";

    /// <summary>How long a prediction stays in Redis after its last write (null: for good).</summary>
    public TimeSpan? RedisTtl { get; init; }

    /// <summary>Where the streaming UI listens (null: no UI, <c>--no-ui</c>).</summary>
    public StreamingUiOptions? Ui { get; init; }

    public static string DefaultInstance => $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Whether other instances may write into the same output folder.</summary>
    public bool SharesOutput => GroupId is not null || Tasks is not null;

    public string JoinedDirectory => Path.Combine(OutputDirectory, "joined");
    public string PredictionsDirectory => Path.Combine(OutputDirectory, "predictions");
    public string Checkpoint => CheckpointDirectory ?? Path.Combine(OutputDirectory, "checkpoint");
    public string ProgressFile => Path.Combine(OutputDirectory, SharesOutput ? $"progress-{Instance}.jsonl" : "progress.jsonl");
    public string SummaryFile => Path.Combine(OutputDirectory, SharesOutput ? $"summary-{Instance}.json" : "summary.json");

    /// <summary>Reads <c>--tasks</c>: partition numbers separated by commas.</summary>
    public static bool TryParseTasks(string text, out IReadOnlyList<int> tasks)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var numbers = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                tasks = [];
                return false;
            }
            numbers.Add(number);
        }
        tasks = numbers.Distinct().Order().ToList();
        return tasks.Count > 0;
    }
}
