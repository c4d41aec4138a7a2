using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace TopUpSpark.Core.Logging;

/// <summary>One console logging setup for every program: one line per event, UTC timestamps.</summary>
public static class ProgramLogging
{
    /// <param name="toStandardError">Every event to stderr: for programs whose stdout is their result (topup-sql), which logs must not mix with.</param>
    public static ILoggerFactory Create(LogLevel minimum = LogLevel.Information, bool toStandardError = false)
    {
        return LoggerFactory.Create(builder => builder
            .SetMinimumLevel(Level(minimum))
            .AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = TimestampFormat;
                options.ColorBehavior = LoggerColorBehavior.Disabled;
            })
            .AddConsole(options =>
            {
                if (toStandardError) options.LogToStandardErrorThreshold = LogLevel.Trace;
            }));
    }

    /// <summary>The level to log from: <c>$TOPUP_LOG_LEVEL</c> when it names one, else <paramref name="minimum"/>.</summary>
    public static LogLevel Level(LogLevel minimum) =>
        Environment.GetEnvironmentVariable("TOPUP_LOG_LEVEL") is { Length: > 0 } raw && Enum.TryParse<LogLevel>(raw, ignoreCase: true, out var parsed)
            ? parsed
            : minimum;

    /// <summary>The timestamp every log line starts with (UTC).</summary>
    public const string TimestampFormat = "HH:mm:ss.fff'Z' ";
}
