using Confluent.Kafka;
using System.Runtime.InteropServices;

namespace TopUpSpark.Core.Kafka;

/// <summary>
/// librdkafka's mock cluster, started in this process: a Kafka-protocol broker on 127.0.0.1 that
/// other processes reach over TCP. In memory only, and each partition keeps at most 5 MiB or
/// 100,000 message sets (older ones are dropped silently; consumers detect the gap). It is the
/// zero-install stand-in for a real Kafka in demos and tests, not a replacement for one.
/// </summary>
public sealed class EmbeddedKafkaCluster : IDisposable
{
    private IntPtr _handle;
    private IntPtr _cluster;
    private readonly Lock _gate = new();

    private EmbeddedKafkaCluster(IntPtr handle, IntPtr cluster, string bootstrapServers)
    {
        _handle = handle;
        _cluster = cluster;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>The brokers' <c>host:port,…</c> list, for <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>Starts a cluster of <paramref name="brokers"/> brokers and creates <paramref name="topics"/>.</summary>
    public static EmbeddedKafkaCluster Start(int brokers = 1, IEnumerable<string>? topics = null, int partitions = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        MockClusterNative.Initialize();
        var errstr = new byte[512];
        var conf = MockClusterNative.rd_kafka_conf_new();
        // The handle only hosts the mock cluster; keep it quiet and self-contained.
        MockClusterNative.rd_kafka_conf_set(conf, "log_level", "3", errstr, (UIntPtr)errstr.Length);
        var handle = MockClusterNative.rd_kafka_new(MockClusterNative.ProducerType, conf, errstr, (UIntPtr)errstr.Length);
        if (handle == IntPtr.Zero)
            throw new InvalidOperationException("could not create the librdkafka handle for the embedded broker: " + MockClusterNative.ErrorBuffer(errstr));
        IntPtr cluster;
        using (new SignalsBlockedScope())
            cluster = MockClusterNative.rd_kafka_mock_cluster_new(handle, brokers);
        if (cluster == IntPtr.Zero)
        {
            MockClusterNative.rd_kafka_destroy(handle);
            throw new InvalidOperationException("librdkafka's mock cluster did not start");
        }
        // Consumers in a fresh group would otherwise wait 3 s before their first assignment.
        MockClusterNative.rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, 0);
        var bootstraps = Marshal.PtrToStringUTF8(MockClusterNative.rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("the mock cluster reported no bootstrap address");
        var embedded = new EmbeddedKafkaCluster(handle, cluster, bootstraps);
        embedded.CreateTopic(IncarnationTopicPrefix + Guid.NewGuid().ToString("N"), partitions: 1);
        foreach (var topic in topics ?? [])
            embedded.CreateTopic(topic, partitions);
        return embedded;
    }

    /// <summary>
    /// The mock cluster's id is made of memory addresses, which a cluster started after another one stopped
    /// may get again; so each embedded broker also holds an empty topic named with a fresh id — what tells
    /// a new embedded broker from the one a checkpoint was written against.
    /// </summary>
    public const string IncarnationTopicPrefix = "__topupspark-embedded-";

    /// <summary>Creates a topic through the mock API (the mock has no CreateTopics admin request).</summary>
    public void CreateTopic(string topic, int partitions = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
            var err = MockClusterNative.rd_kafka_mock_topic_create(_cluster, topic, partitions, 1);
            if (err != 0)
                throw new InvalidOperationException($"could not create topic '{topic}': {MockClusterNative.ErrorText(err)}");
        }
    }

    /// <summary>
    /// Makes the broker answer its next <paramref name="count"/> produce requests with <paramref name="error"/>,
    /// to see how a program copes with Kafka refusing its messages.
    /// </summary>
    public void FailNextProduceRequests(ErrorCode error, int count = 1)
    {
        const short produceApiKey = 0;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
            MockClusterNative.rd_kafka_mock_push_request_errors_array(_cluster, produceApiKey, (UIntPtr)count, Enumerable.Repeat((int)error, count).ToArray());
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_cluster != IntPtr.Zero)
            {
                MockClusterNative.rd_kafka_mock_cluster_destroy(_cluster);
                _cluster = IntPtr.Zero;
            }
            if (_handle != IntPtr.Zero)
            {
                MockClusterNative.rd_kafka_destroy(_handle);
                _handle = IntPtr.Zero;
            }
        }
    }
}
