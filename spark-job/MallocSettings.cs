using System.Runtime.InteropServices;

namespace TopUpSpark.Job;

/// <summary>
/// glibc's malloc, set for librdkafka's allocation pattern. Its fetch responses (up to 64 KiB per
/// partition at a time) are malloc'ed and freed continuously. glibc raises its mmap threshold each time
/// such a block is freed, so later ones come from its arenas, which keep their pages: about 60 MiB of
/// the job's peak RSS in a full replay. A fixed threshold hands large blocks straight back to the system.
/// </summary>
internal static class MallocSettings
{
    private const int MmapThresholdOption = -3; // M_MMAP_THRESHOLD in malloc.h
    private const int LargeBlockBytes = 128 * 1024; // glibc's own starting value

    public static void ReturnLargeBlocksToTheSystem()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            SetOption(MmapThresholdOption, LargeBlockBytes);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (e.g. musl): its own allocator needs no such setting.
        }
    }

    // The versioned name: a bare "libc.so" can be a linker script where the C library's headers are installed.
    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    private static extern int SetOption(int option, int value);
}
