using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace TopUpSpark.Streaming.Progress;

/// <summary>
/// Reports each batch twice: one line a human reads in the log, and one JSON line a machine reads in
/// the progress file (like Spark's <c>StreamingQueryListener.onQueryProgress</c>).
/// </summary>
public sealed class ProgressReporter : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    private readonly ILogger _log;
    private readonly StreamWriter? _jsonLines;

    public ProgressReporter(ILogger log, string? jsonLinesPath)
    {
        _log = log;
        if (jsonLinesPath is null) return;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonLinesPath))!);
        _jsonLines = new StreamWriter(new FileStream(jsonLinesPath, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    public event Action<QueryProgress>? Reported;

    public static string ToJson(QueryProgress progress) => JsonSerializer.Serialize(progress, Json);

    public static string HumanLine(QueryProgress p)
    {
        var sources = string.Join(", ", p.Sources.Select(s => $"{Short(s.Description)} {s.NumInputRows:N0}"));
        var watermark = p.EventTime.TryGetValue("watermark", out var w) && w is not null ? w : "none";
        var state = p.StateOperators.Sum(s => s.NumRowsTotal);
        var lost = p.LostRecords > 0 ? FormattableString.Invariant($" · LOST {p.LostRecords:N0}") : "";
        return FormattableString.Invariant(
            $"batch {p.BatchId}: {p.NumInputRows:N0} rows ({sources}) in {p.DurationMs["triggerExecution"]:N0} ms, {p.ProcessedRowsPerSecond:N0} rows/s · watermark {watermark} · state {state:N0} rows · late dropped {p.LateRowsDropped:N0} · dead letters {p.DeadLetters:N0} · invalid values {p.InvalidValues:N0}{lost}");
    }

    private static string Short(string description) =>
        description.StartsWith("KafkaV2[Subscribe[", StringComparison.Ordinal) ? description[18..^2] : description;

    public void Report(QueryProgress progress)
    {
        _log.LogInformation("{Progress}", HumanLine(progress));
        _jsonLines?.WriteLine(ToJson(progress));
        Reported?.Invoke(progress);
    }

    public void Dispose() => _jsonLines?.Dispose();
}
