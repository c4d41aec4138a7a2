using System.CommandLine;
using System.CommandLine.Parsing;
using TopUpSpark.Core;
using TopUpSpark.Core.Cli;

namespace TopUpSpark.Consumer.Streams;

/// <summary>
/// The stream counts' flags, for <c>counts</c> (<c>--topics</c>, <c>--group-by</c>, <c>--window</c>, <c>--bucket</c>) and
/// for the map dashboard, which serves the same page with the same flags prefixed <c>--streams-</c>. Both read
/// the same environment variables.
/// </summary>
public sealed class StreamCountsFlags
{
    private readonly Flag<string> _topics;
    private readonly Flag<string?> _groupBy;
    private readonly Flag<TimeSpan> _window;
    private readonly Flag<TimeSpan> _bucket;

    /// <param name="prefix">"" for <c>counts</c>, "streams-" on the map dashboard.</param>
    public StreamCountsFlags(string prefix)
    {
        _topics = Flags.Create($"--{prefix}topics", "TOPUP_COUNTS_TOPICS", $"{Topics.Customer},{Topics.Bureau}",
                "Topics whose records are counted, comma-separated")
            .Accepting(value => SplitTopics(value).Select(Accept.TopicName).FirstOrDefault(problem => problem is not null)
                                ?? (SplitTopics(value).Length == 0 ? "must name at least one topic" : null));
        _topics.HelpName = "TOPIC,…";
        _groupBy = Flags.Create<string?>($"--{prefix}group-by", "TOPUP_COUNTS_GROUP_BY", null,
            "JSON field of the messages whose values get a line each, besides each topic's own (e.g. State); at most " +
            $"{StreamCountsOptions.MaxGroupsPerTopic} values per topic, the rest counted together");
        _groupBy.HelpName = "COLUMN";
        _window = Flags.Duration($"--{prefix}window", "TOPUP_COUNTS_WINDOW", StreamCountsOptions.DefaultWindow,
                "Records arriving in this last stretch of processing time are totalled per stream; at least one bucket, at most 1d")
            .Accepting(Accept.Positive).Accepting(value => value <= TimeSpan.FromDays(1) ? null : $"must be at most 1d, got {Duration.Format(value)}");
        _bucket = Flags.Duration($"--{prefix}bucket", "TOPUP_COUNTS_BUCKET", StreamCountsOptions.DefaultBucket,
                "Processing time of one point of the charts; at least 100ms")
            .Accepting(value => value >= TimeSpan.FromMilliseconds(100) ? null : $"must be at least 100ms, got {Duration.Format(value)}");
        // A window holds at most 10,000 buckets: every snapshot sums them for every line.
        _window.AcceptingWith((window, command) => _bucket.TryGetValue(command, out var bucket) && (window < bucket || window.Ticks / bucket.Ticks > 10_000)
            ? $"{_window.Origin(command)} must be from one to 10,000 of {_bucket.Origin(command)}, got {Duration.Format(window)} and {Duration.Format(bucket)}"
            : null);
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_topics);
        command.Options.Add(_groupBy);
        command.Options.Add(_window);
        command.Options.Add(_bucket);
    }

    public StreamCountsOptions Resolve(ParseResult parse) =>
        new(SplitTopics(parse.GetValue(_topics)!), parse.GetValue(_groupBy), parse.GetValue(_window), parse.GetValue(_bucket));

    private static string[] SplitTopics(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToArray();
}
