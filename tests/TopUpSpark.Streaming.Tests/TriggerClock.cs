using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Streaming.Tests;

/// <summary>
/// The clock of a running query in a test. Its time stands still until the test lets time pass, so what a
/// trigger does depends on this clock alone, not on how fast a busy machine runs the query: rows added
/// while the query waits on the clock all reach its next batch, and every batch is stamped with exactly the
/// moment its trigger fired.
/// </summary>
public sealed class TriggerClock : FakeTimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<WatchedTimer> _pending = [];

    /// <summary>Timers fire up to this much before they are due (at most half their wait early), as coarse OS timers may.</summary>
    public TimeSpan WakeEarly { get; init; }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        // Task.Delay's timers, the only ones the query makes, fire once; a repeating timer would never leave _pending.
        if (dueTime <= TimeSpan.Zero || period != Timeout.InfiniteTimeSpan)
            throw new NotSupportedException($"only one-shot timers with a positive wait, not due {dueTime} every {period}");
        var wait = dueTime - TimeSpan.FromTicks(Math.Min(WakeEarly.Ticks, dueTime.Ticks / 2));
        var timer = new WatchedTimer(this, GetUtcNow() + wait);
        timer.Start(base.CreateTimer(s => { timer.Stop(); callback(s); }, state, wait, period));
        return timer;
    }

    /// <summary>
    /// Lets <paramref name="span"/> pass. Every timer due on the way fires at its own moment, and the clock
    /// moves on only once the query has dealt with it and waits on the clock again.
    /// </summary>
    public void Pass(TimeSpan span)
    {
        var end = GetUtcNow() + span;
        while (true)
        {
            WaitForTheQueryToWait();
            WatchedTimer? next;
            lock (_gate) next = _pending.Where(t => t.Due <= end).MinBy(t => t.Due);
            if (next is null) break;
            SetUtcNow(next.Due);
        }
        SetUtcNow(end);
    }

    /// <summary>Returns once the query waits on this clock: it has run every batch it could run at the current time.</summary>
    public void WaitForTheQueryToWait()
    {
        if (!SpinWait.SpinUntil(() => { lock (_gate) return _pending.Count > 0; }, Waits.HangBound))
            Assert.Fail($"the query did not wait on the clock within {Waits.HangBound.TotalSeconds} s");
    }

    private sealed class WatchedTimer(TriggerClock clock, DateTimeOffset due) : ITimer
    {
        private ITimer? _timer;

        public DateTimeOffset Due => due;

        public void Start(ITimer timer)
        {
            _timer = timer;
            lock (clock._gate) clock._pending.Add(this);
        }

        public void Stop()
        {
            lock (clock._gate) clock._pending.Remove(this);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period) => throw new NotSupportedException("the query never reschedules a wait");

        public void Dispose()
        {
            Stop();
            _timer?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
