using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace TopUpSpark.Core.Kafka;

/// <summary>The few librdkafka C functions the embedded broker needs (DESIGN §2 lists them).</summary>
internal static partial class MockClusterNative
{
    public const int ProducerType = 0;

    static MockClusterNative()
    {
        NativeLibrary.SetDllImportResolver(typeof(MockClusterNative).Assembly, KafkaNativeLibrary.Resolve);
    }

    /// <summary>Touching this runs the static constructor, which installs the resolver first.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Initialize() => KafkaNativeLibrary.EnsureLoaded();

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(KafkaNativeLibrary.LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte[] errstr, UIntPtr errstrSize);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, UIntPtr errstrSize);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial void rd_kafka_destroy(IntPtr rk);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr mockCluster);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial void rd_kafka_mock_cluster_destroy(IntPtr mockCluster);

    [LibraryImport(KafkaNativeLibrary.LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_topic_create(IntPtr mockCluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial void rd_kafka_mock_push_request_errors_array(IntPtr mockCluster, short apiKey, UIntPtr count, int[] errors);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial void rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr mockCluster, int delayMs);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial IntPtr rd_kafka_err2str(int err);

    public static string ErrorText(int err) => Marshal.PtrToStringUTF8(rd_kafka_err2str(err)) ?? $"error {err}";

    public static string ErrorBuffer(byte[] errstr)
    {
        var end = Array.IndexOf(errstr, (byte)0);
        return Encoding.UTF8.GetString(errstr, 0, end < 0 ? errstr.Length : end);
    }
}
