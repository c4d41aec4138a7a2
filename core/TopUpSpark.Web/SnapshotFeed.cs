namespace TopUpSpark.Web;

/// <summary>
/// The newest immutable snapshot of a page's data, and a way to wait for the next one: what the
/// Server-Sent Events streams (<see cref="LocalWebServer.MapUpdates{TSnapshot}"/>) and the programs' other outputs follow. Thread-safe.
/// </summary>
public sealed class SnapshotFeed<T>(T initial, Func<T, long> versionOf) where T : class
{
    private readonly Lock _gate = new();
    private T _current = initial;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public T Current
    {
        get
        {
            lock (_gate) return _current;
        }
    }

    /// <summary>Makes <paramref name="snapshot"/> current and wakes everyone waiting in <see cref="NextAsync"/>.</summary>
    public void Publish(T snapshot)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _current = snapshot;
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.SetResult();
    }

    /// <summary>
    /// The current snapshot as soon as its version differs from <paramref name="seenVersion"/>; after
    /// <paramref name="maxWait"/> the current one regardless (a keep-alive); null once cancelled.
    /// </summary>
    public async Task<T?> NextAsync(long seenVersion, TimeSpan? maxWait, CancellationToken cancel)
    {
        Task changed;
        lock (_gate)
        {
            if (versionOf(_current) != seenVersion) return _current;
            changed = _changed.Task;
        }
        try
        {
            await (maxWait is { } wait ? changed.WaitAsync(wait, cancel) : changed.WaitAsync(cancel));
        }
        catch (TimeoutException)
        {
            // Nothing changed within maxWait: the caller gets the same snapshot again.
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        return Current;
    }
}
