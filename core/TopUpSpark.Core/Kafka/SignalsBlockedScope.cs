using System.Runtime.InteropServices;

namespace TopUpSpark.Core.Kafka;

/// <summary>
/// Blocks every signal on the calling thread until disposed, so that native threads started meanwhile
/// inherit that mask. librdkafka's mock cluster treats an interrupted <c>poll()</c> as fatal ("Mock
/// cluster failed to poll … Interrupted system call") and stops listening; the .NET runtime handles
/// SIGCONT, so without this a broker that is stopped and continued (SIGSTOP/SIGCONT, Ctrl-Z then
/// <c>fg</c>) dies whenever the kernel happens to deliver that signal to the mock cluster's thread.
/// librdkafka does the same for its own threads in <c>rd_kafka_new</c>. Linux only: other systems
/// lay out <c>sigset_t</c> differently, and Windows has no signals.
/// </summary>
internal sealed partial class SignalsBlockedScope : IDisposable
{
    private const int SigSetMask = 2;
    // glibc's and musl's sigset_t: 1024 bits.
    private readonly byte[] _previous = new byte[128];
    private readonly bool _blocked;

    public SignalsBlockedScope()
    {
        if (!OperatingSystem.IsLinux()) return;
        var all = new byte[128];
        if (sigfillset(all) != 0 || pthread_sigmask(SigSetMask, all, _previous) != 0)
            throw new InvalidOperationException("could not block signals on the thread starting the embedded broker");
        _blocked = true;
    }

    public void Dispose()
    {
        if (_blocked) _ = pthread_sigmask(SigSetMask, _previous, null);
    }

    [LibraryImport("libc")]
    private static partial int sigfillset(byte[] set);

    [LibraryImport("libc")]
    private static partial int pthread_sigmask(int how, byte[]? set, byte[]? previous);
}
