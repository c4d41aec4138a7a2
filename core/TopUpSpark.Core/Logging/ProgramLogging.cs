using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace TopUpSpark.Core.Logging;

/// <summary>One console logging setup for every program: one line per event, UTC timestamps.</summary>
public static class ProgramLogging
{
    /// <param name="toStandardError">Every event to stderr: for programs whose stdout is their result (topup-sql), which logs must not mix with.</param>
    public static ILoggerFactory Create(LogLevel minimum = LogLevel.Information, bool toStandardError = false) =>
        LoggerFactory.Create(builder => Configure(builder, minimum, toStandardError));

    /// <summary>The same setup on a builder a host owns (topup-api's web host).</summary>
    public static ILoggingBuilder Configure(ILoggingBuilder builder, LogLevel minimum = LogLevel.Information, bool toStandardError = false)
    {
        var level = Environment.GetEnvironmentVariable("TOPUP_LOG_LEVEL") is { Length: > 0 } raw
                    && Enum.TryParse<LogLevel>(raw, ignoreCase: true, out var parsed)
            ? parsed
            : minimum;
        return builder
            .SetMinimumLevel(level)
            .AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "HH:mm:ss.fff'Z' ";
                options.ColorBehavior = LoggerColorBehavior.Disabled;
            })
            .AddConsole(options =>
            {
                if (toStandardError) options.LogToStandardErrorThreshold = LogLevel.Trace;
            });
    }
}
