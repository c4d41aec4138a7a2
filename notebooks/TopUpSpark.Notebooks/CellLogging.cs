using System.Globalization;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Logging;

namespace TopUpSpark.Notebooks;

/// <summary>
/// Logging for a notebook: each event is written to <see cref="Console.Out"/> by the code that logs it, in
/// the programs' one-line form. A .NET Interactive kernel shows what a cell's own code (and the tasks and
/// threads it starts) writes to the console in that cell's output; the programs' console logger writes
/// from a background thread of its own instead, whose lines the kernel never shows.
/// </summary>
public static class CellLogging
{
    /// <param name="minimum">Overridden by <c>$TOPUP_LOG_LEVEL</c>, as in the programs.</param>
    public static ILoggerFactory Create(LogLevel minimum = LogLevel.Information) =>
        LoggerFactory.Create(builder => builder.SetMinimumLevel(ProgramLogging.Level(minimum)).AddProvider(new CellOutputLoggerProvider()));

    private sealed class CellOutputLoggerProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CellOutputLogger(categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class CellOutputLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var line = DateTimeOffset.UtcNow.ToString(ProgramLogging.TimestampFormat, CultureInfo.InvariantCulture) +
                       $"{Abbreviation(logLevel)}: {category}[{eventId.Id}] {formatter(state, exception)}";
            Console.Out.WriteLine(exception is null ? line : line + Environment.NewLine + exception);
        }

        // The console logger's abbreviations, so notebook and program logs read alike.
        private static string Abbreviation(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
    }
}
