using Microsoft.Extensions.Logging;
using TopUpSpark.Consumer.Kafka;
using TopUpSpark.Core.Kafka;

namespace TopUpSpark.Consumer.Streams;

/// <summary>
/// The stream counts at work: a plain Kafka consumer (no streaming engine) reading the topics from now on
/// in a group of its own, counting every record as it is read, and a snapshot published a few times a
/// second and at every new bucket, for the page and the terminal.
/// </summary>
public sealed class StreamCountsService
{
    /// <summary>How often the page's data is refreshed: the charts move on smoothly even when nothing arrives.</summary>
    public static readonly TimeSpan PublishInterval = TimeSpan.FromMilliseconds(250);

    private StreamCountsService(StreamCounter counter, Task completion)
    {
        Counter = counter;
        Completion = completion;
    }

    public StreamCounter Counter { get; }

    /// <summary>Ends when cancelled; faults when Kafka failed fatally.</summary>
    public Task Completion { get; }

    public static StreamCountsService Start(KafkaSettings kafka, StreamCountsOptions options, ILoggerFactory loggers, TimeProvider time, CancellationToken cancel)
    {
        var groupId = $"topup-counts-{Guid.NewGuid():N}"[..25];
        var counter = new StreamCounter(options, kafka.BootstrapServers, groupId, time);
        var reader = new LiveTopicReader(kafka, options.Topics, groupId, counter,
            (result, source) => counter.Count(result.Topic, result.Message.Value ?? [], source), loggers.CreateLogger("counts"), time);
        loggers.CreateLogger("counts").LogInformation(
            "counting records of {Topics}{GroupBy} per {Bucket} bucket and per {Window} window, by processing time",
            string.Join(", ", options.Topics), options.GroupBy is { } column ? $" per value of {column}" : "",
            Core.Cli.Duration.Format(options.Bucket), Core.Cli.Duration.Format(options.Window));
        return new StreamCountsService(counter, Task.WhenAll(reader.RunAsync(cancel), PublishAsync(counter, time, cancel)));
    }

    private static async Task PublishAsync(StreamCounter counter, TimeProvider time, CancellationToken cancel)
    {
        using var timer = new PeriodicTimer(PublishInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancel)) counter.Publish();
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Stopped.
        }
    }
}
