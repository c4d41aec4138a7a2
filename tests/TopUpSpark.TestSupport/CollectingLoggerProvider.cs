using Microsoft.Extensions.Logging;

namespace TopUpSpark.TestSupport;

/// <summary>A logger factory's provider that keeps every message, so a test can assert what a program told its user.</summary>
public sealed class CollectingLoggerProvider : ILoggerProvider
{
    private readonly List<LogEntry> _entries = [];

    public sealed record LogEntry(string Category, LogLevel Level, string Message);

    /// <summary>Called with every message as it is logged, on the logging thread.</summary>
    public event Action<LogEntry>? Logged;

    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_entries) return _entries.ToList();
        }
    }

    public ILoggerFactory CreateFactory() => LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Debug).AddProvider(this));

    public ILogger CreateLogger(string categoryName) => new Collector(this, categoryName);

    private void Add(LogEntry entry)
    {
        lock (_entries) _entries.Add(entry);
        Logged?.Invoke(entry);
    }

    public void Dispose()
    {
    }

    private sealed class Collector(CollectingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Add(new LogEntry(category, logLevel, formatter(state, exception)));
    }
}
