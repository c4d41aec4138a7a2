using System.Runtime.InteropServices;

namespace TopUpSpark.Core.Kafka;

/// <summary>
/// The librdkafka consumer calls <see cref="KafkaBatchConsumer"/> makes beyond those it shares with
/// the embedded broker (<see cref="MockClusterNative"/>: conf_new/conf_set/new/destroy/err2str).
/// Call <see cref="MockClusterNative.Initialize"/> before the first of them: it installs the assembly's
/// one DllImport resolver, which picks the self-contained library.
/// </summary>
internal static unsafe partial class ConsumerNative
{
    public const int ConsumerType = 1;
    public const int PartitionEof = -191;

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial void rd_kafka_conf_destroy(IntPtr conf);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial void rd_kafka_conf_set_opaque(IntPtr conf, IntPtr opaque);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial void rd_kafka_conf_set_error_cb(IntPtr conf, delegate* unmanaged[Cdecl]<IntPtr, int, byte*, IntPtr, void> errorCallback);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial void rd_kafka_conf_set_log_cb(IntPtr conf, delegate* unmanaged[Cdecl]<IntPtr, int, byte*, byte*, void> logCallback);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial IntPtr rd_kafka_opaque(IntPtr rk);

    /// <summary>The cluster id from the client's metadata (waiting up to the timeout for it); free with <see cref="rd_kafka_mem_free"/>.</summary>
    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial byte* rd_kafka_clusterid(IntPtr rk, int timeoutMs);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial void rd_kafka_mem_free(IntPtr rk, void* ptr);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial int rd_kafka_poll_set_consumer(IntPtr rk);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial IntPtr rd_kafka_queue_get_consumer(IntPtr rk);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial void rd_kafka_queue_yield(IntPtr queue);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial void rd_kafka_queue_destroy(IntPtr queue);

    [LibraryImport(KafkaNativeLibrary.LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr rd_kafka_queue_get_partition(IntPtr rk, string topic, int partition);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial void rd_kafka_queue_forward(IntPtr source, IntPtr destination);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial int rd_kafka_consumer_close(IntPtr rk);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial nint rd_kafka_consume_batch_queue(IntPtr queue, int timeoutMs, IntPtr* messages, nuint size);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial int rd_kafka_last_error();

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial void rd_kafka_message_destroy(IntPtr message);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial long rd_kafka_message_timestamp(RdKafkaMessage* message, int* timestampType);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial byte* rd_kafka_message_errstr(RdKafkaMessage* message);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial RdKafkaTopicPartitionList* rd_kafka_topic_partition_list_new(int size);

    [LibraryImport(KafkaNativeLibrary.LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial RdKafkaTopicPartition* rd_kafka_topic_partition_list_add(RdKafkaTopicPartitionList* list, string topic, int partition);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial void rd_kafka_topic_partition_list_destroy(RdKafkaTopicPartitionList* list);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial int rd_kafka_assign(IntPtr rk, RdKafkaTopicPartitionList* list);

    [LibraryImport(KafkaNativeLibrary.LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr rd_kafka_topic_new(IntPtr rk, string topic, IntPtr conf);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial void rd_kafka_topic_destroy(IntPtr topic);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial int rd_kafka_metadata(IntPtr rk, int allTopics, IntPtr onlyTopic, IntPtr* metadata, int timeoutMs);

    [LibraryImport(KafkaNativeLibrary.LibraryName)]
    public static partial void rd_kafka_metadata_destroy(IntPtr metadata);
}

/// <summary><c>rd_kafka_message_t</c>: read in place, so a message costs no marshaling.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RdKafkaMessage
{
    public int Err;
    public IntPtr Topic;
    public int Partition;
    public IntPtr Payload;
    public nuint Length;
    public IntPtr Key;
    public nuint KeyLength;
    public long Offset;
    public IntPtr Private;
}

/// <summary><c>rd_kafka_topic_partition_t</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RdKafkaTopicPartition
{
    public IntPtr Topic;
    public int Partition;
    public long Offset;
    public IntPtr Metadata;
    public nuint MetadataSize;
    public IntPtr Opaque;
    public int Err;
    public IntPtr Private;
}

/// <summary><c>rd_kafka_topic_partition_list_t</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct RdKafkaTopicPartitionList
{
    public int Count;
    public int Size;
    public RdKafkaTopicPartition* Elements;
}
