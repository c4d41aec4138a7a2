using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace TopUpSpark.Core.Logging;

/// <summary>One console logging setup for every program: one line per event, UTC timestamps.</summary>
public static class ProgramLogging
{
    public static ILoggerFactory Create(LogLevel minimum = LogLevel.Information)
    {
        var level = Environment.GetEnvironmentVariable("TOPUP_LOG_LEVEL") is { Length: > 0 } raw
                    && Enum.TryParse<LogLevel>(raw, ignoreCase: true, out var parsed)
            ? parsed
            : minimum;
        return LoggerFactory.Create(builder => builder
            .SetMinimumLevel(level)
            .AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "HH:mm:ss.fff'Z' ";
                options.ColorBehavior = LoggerColorBehavior.Disabled;
            }));
    }
}
