using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace TopUpSpark.Core.Kafka;

/// <summary>
/// One message, partition end or consumer error as librdkafka holds it. Nothing is copied: the spans
/// point into librdkafka's buffer and are valid only during the handler call that received them.
/// </summary>
public readonly unsafe ref struct ConsumedMessage
{
    private readonly RdKafkaMessage* _message;

    internal ConsumedMessage(RdKafkaMessage* message) => _message = message;

    /// <summary>The partition of the message, of the partition end or of the error; -1 for an error of no partition.</summary>
    public int Partition => _message->Partition;

    /// <summary>The message's offset; for a partition end, the offset the next message will get.</summary>
    public long Offset => _message->Offset;

    /// <summary>False for a null key, and for partition ends and errors.</summary>
    public bool HasKey => _message->Err == 0 && _message->Key != IntPtr.Zero;

    public ReadOnlySpan<byte> Key => HasKey ? new ReadOnlySpan<byte>((void*)_message->Key, checked((int)_message->KeyLength)) : default;

    /// <summary>False for a null value (a tombstone), and for partition ends and errors, whose payload is librdkafka's error text.</summary>
    public bool HasValue => _message->Err == 0 && _message->Payload != IntPtr.Zero;

    public ReadOnlySpan<byte> Value => HasValue ? new ReadOnlySpan<byte>((void*)_message->Payload, checked((int)_message->Length)) : default;

    /// <summary>
    /// The message's timestamp, UTC; <see cref="DateTimeOffset.UnixEpoch"/> when it carries none (or one a
    /// DateTimeOffset cannot hold). Asked of librdkafka on each read, so handlers that ignore it pay nothing.
    /// </summary>
    public DateTimeOffset Timestamp
    {
        get
        {
            var unixMs = ConsumerNative.rd_kafka_message_timestamp(_message, null);
            return unixMs is >= 0 and <= MaxUnixMilliseconds ? DateTimeOffset.FromUnixTimeMilliseconds(unixMs) : DateTimeOffset.UnixEpoch;
        }
    }

    private const long MaxUnixMilliseconds = 253_402_300_799_999;

    public bool IsPartitionEof => _message->Err == ConsumerNative.PartitionEof;

    /// <summary><see cref="ErrorCode.NoError"/> for a message and for a partition end.</summary>
    public ErrorCode Error => IsPartitionEof ? ErrorCode.NoError : (ErrorCode)_message->Err;

    /// <summary>librdkafka's description of <see cref="Error"/>; null when there is no error.</summary>
    public string? ErrorReason => Error == ErrorCode.NoError ? null : Marshal.PtrToStringUTF8((IntPtr)ConsumerNative.rd_kafka_message_errstr(_message));
}

public delegate void ConsumedMessageHandler(in ConsumedMessage message);

/// <summary>
/// Reads Kafka through librdkafka's batch API and hands each message to a handler in place, without
/// the per-message objects (topic string, key/value arrays, headers, result) Confluent.Kafka's
/// <c>IConsumer.Consume()</c> builds — several times its throughput. Meant for one topic per instance,
/// so messages carry no topic. Partitions are assigned explicitly; there is no group subscription.
/// </summary>
/// <remarks>
/// One thread at a time: calls are serialised on an internal lock, so a call made from another
/// thread while <see cref="ConsumeBatch"/> runs waits for it to return (handlers may call
/// <see cref="Assign"/>, but not <see cref="Dispose"/>).
/// <see cref="Dispose"/> from another thread wakes a waiting <see cref="ConsumeBatch"/> first.
/// The consumer owns native resources: dispose it.
/// </remarks>
public sealed unsafe class KafkaBatchConsumer : IDisposable
{
    private const int DefaultBatchSize = 4096;
    private readonly Lock _gate = new();
    private readonly ILogger? _logger;
    private GCHandle _callbackTarget;
    private IntPtr _handle;
    private IntPtr _queue;
    private readonly Dictionary<(string Topic, int Partition), IntPtr> _partitionQueues = new();
    private int _disposeStarted;
    // On the pinned heap: librdkafka writes the batch's message pointers here on every call.
    private IntPtr[] _batch = GC.AllocateUninitializedArray<IntPtr>(DefaultBatchSize, pinned: true);

    /// <summary>
    /// Creates the consumer with every setting of <paramref name="config"/> (<c>group.id</c> is required:
    /// librdkafka has no consumer queue without one). Generic client errors (e.g. all brokers down) go to
    /// <paramref name="onError"/>; errors tied to a partition arrive as messages. librdkafka's log lines go
    /// to <paramref name="log"/>, or nowhere.
    /// </summary>
    /// <exception cref="KafkaSettingsException">a setting librdkafka rejects, or no <c>group.id</c>.</exception>
    public KafkaBatchConsumer(ConsumerConfig config, Action<string>? onError = null, KafkaClientLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        MockClusterNative.Initialize();
        _logger = log?.Logger;
        // librdkafka calls back on its own threads, possibly after the last managed reference is gone;
        // the handle keeps the target reachable until rd_kafka_destroy has returned.
        _callbackTarget = GCHandle.Alloc(new NativeCallbacks(onError, log));
        try
        {
            _handle = CreateHandle(config, GCHandle.ToIntPtr(_callbackTarget));
            var err = ConsumerNative.rd_kafka_poll_set_consumer(_handle);
            if (err != 0)
                throw new KafkaException(new Error((ErrorCode)err, "rd_kafka_poll_set_consumer: " + MockClusterNative.ErrorText(err)));
            _queue = ConsumerNative.rd_kafka_queue_get_consumer(_handle);
            if (_queue == IntPtr.Zero)
                throw new KafkaSettingsException("the batch consumer needs a group.id: librdkafka has no consumer queue without one");
        }
        catch
        {
            ReleaseNative();
            throw;
        }
    }

    private static IntPtr CreateHandle(ConsumerConfig config, IntPtr callbackTarget)
    {
        var errstr = new byte[512];
        var conf = MockClusterNative.rd_kafka_conf_new();
        try
        {
            foreach (var (key, value) in config)
            {
                // Confluent.Kafka's own settings ("dotnet.…") are not librdkafka's; its consumer drops them too.
                if (key.StartsWith("dotnet.", StringComparison.Ordinal)) continue;
                if (MockClusterNative.rd_kafka_conf_set(conf, key, value, errstr, (UIntPtr)errstr.Length) != 0)
                    throw new KafkaSettingsException($"Kafka setting '{key}' rejected: {SecretSettings.RedactIn(MockClusterNative.ErrorBuffer(errstr), key, value)}");
            }
            ConsumerNative.rd_kafka_conf_set_opaque(conf, callbackTarget);
            ConsumerNative.rd_kafka_conf_set_error_cb(conf, &OnNativeError);
            ConsumerNative.rd_kafka_conf_set_log_cb(conf, &OnNativeLog);
            var handle = MockClusterNative.rd_kafka_new(ConsumerNative.ConsumerType, conf, errstr, (UIntPtr)errstr.Length);
            if (handle == IntPtr.Zero)
                throw new KafkaSettingsException("could not create the Kafka consumer: " + MockClusterNative.ErrorBuffer(errstr));
            conf = IntPtr.Zero; // rd_kafka_new owns it once it succeeded
            return handle;
        }
        finally
        {
            if (conf != IntPtr.Zero) ConsumerNative.rd_kafka_conf_destroy(conf);
        }
    }

    /// <summary>
    /// Asks the broker for <paramref name="topic"/>'s metadata now. Partitions of a topic the client has no
    /// metadata for yet are assigned but not fetched until librdkafka's next scan for unknown topics, once a
    /// second: a first read then waited up to a second for nothing. Unlike <see cref="Assign"/> this waits.
    /// </summary>
    public void LoadTopicMetadata(string topic, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        lock (_gate)
        {
            ThrowIfDisposed();
            var topicHandle = ConsumerNative.rd_kafka_topic_new(_handle, topic, IntPtr.Zero);
            if (topicHandle == IntPtr.Zero)
                throw new KafkaException(new Error((ErrorCode)ConsumerNative.rd_kafka_last_error(), $"topic {topic}: no handle"));
            try
            {
                IntPtr metadata;
                ThrowOnError(ConsumerNative.rd_kafka_metadata(_handle, 0, topicHandle, &metadata, (int)timeout.TotalMilliseconds), $"metadata of {topic}");
                ConsumerNative.rd_kafka_metadata_destroy(metadata);
            }
            finally
            {
                ConsumerNative.rd_kafka_topic_destroy(topicHandle);
            }
        }
    }

    /// <summary>
    /// The id of the Kafka cluster the consumer is connected to (a real Kafka's, or the embedded broker's,
    /// which differs on every start), waiting up to <paramref name="timeout"/> for the broker's metadata.
    /// Null when the broker did not answer in time or reports none (Kafka before 0.10).
    /// </summary>
    public string? ClusterId(TimeSpan timeout)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            var id = ConsumerNative.rd_kafka_clusterid(_handle, (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue));
            if (id is null) return null;
            try
            {
                return Marshal.PtrToStringUTF8((IntPtr)id);
            }
            finally
            {
                ConsumerNative.rd_kafka_mem_free(_handle, id);
            }
        }
    }

    /// <summary>Replaces the assignment; each partition starts at its offset (or <see cref="Offset.Beginning"/>, …).</summary>
    public void Assign(IEnumerable<TopicPartitionOffset> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        lock (_gate)
        {
            ThrowIfDisposed();
            var list = ToNativeList(partitions.Select(p => (p.Topic, p.Partition.Value, p.Offset.Value)).ToList());
            try
            {
                ThrowOnError(ConsumerNative.rd_kafka_assign(_handle, list), "assign");
            }
            finally
            {
                ConsumerNative.rd_kafka_topic_partition_list_destroy(list);
            }
        }
    }

    /// <summary>
    /// Replaces the assignment like <see cref="Assign"/>, but each partition's messages wait in a queue of
    /// its own, read with <see cref="ConsumeBatch(string, int, TimeSpan, ConsumedMessageHandler, int)"/>: a
    /// caller can take exactly the messages it needs from each partition and leave the rest prefetched,
    /// bounded per partition by <c>queued.max.messages.kbytes</c>. Client-wide errors still arrive through
    /// the shared queue (<see cref="ConsumeBatch(TimeSpan, ConsumedMessageHandler, int)"/>).
    /// </summary>
    public void AssignWithPartitionQueues(IEnumerable<TopicPartitionOffset> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        var assignment = partitions.ToList();
        lock (_gate)
        {
            ThrowIfDisposed();
            // Before the assignment starts fetching: librdkafka forwards a partition's queue to the shared
            // one when fetching starts, unless the application already took it over.
            foreach (var tpo in assignment)
            {
                var key = (tpo.Topic, tpo.Partition.Value);
                if (_partitionQueues.ContainsKey(key)) continue;
                var queue = ConsumerNative.rd_kafka_queue_get_partition(_handle, tpo.Topic, tpo.Partition.Value);
                if (queue == IntPtr.Zero)
                    throw new KafkaException(new Error(ErrorCode.Local_UnknownPartition, $"no queue for {tpo.Topic}[{tpo.Partition.Value}]"));
                ConsumerNative.rd_kafka_queue_forward(queue, IntPtr.Zero);
                _partitionQueues[key] = queue;
            }
        }
        Assign(assignment);
    }

    private static RdKafkaTopicPartitionList* ToNativeList(List<(string Topic, int Partition, long Offset)> partitions)
    {
        var list = ConsumerNative.rd_kafka_topic_partition_list_new(partitions.Count);
        foreach (var (topic, partition, offset) in partitions)
            ConsumerNative.rd_kafka_topic_partition_list_add(list, topic, partition)->Offset = offset;
        return list;
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/> allowed) for a first
    /// message, then hands every message, partition end and consumer error of the batch, at most
    /// <paramref name="maxMessages"/>, to <paramref name="handler"/> in order, freeing each right after.
    /// Returns how many were handed, 0 on timeout. If the handler throws, the rest of the batch is dropped
    /// and the exception propagates; the consumer's position is already past them, so re-<see cref="Assign"/>
    /// from the last handled offset to read them again.
    /// </summary>
    public int ConsumeBatch(TimeSpan timeout, ConsumedMessageHandler handler, int maxMessages = DefaultBatchSize) =>
        ConsumeFrom(null, timeout, handler, maxMessages);

    /// <summary>
    /// <see cref="ConsumeBatch(TimeSpan, ConsumedMessageHandler, int)"/> for one partition assigned with
    /// <see cref="AssignWithPartitionQueues"/>: only that partition's messages and its end, from its own queue.
    /// </summary>
    public int ConsumeBatch(string topic, int partition, TimeSpan timeout, ConsumedMessageHandler handler, int maxMessages = DefaultBatchSize) =>
        ConsumeFrom((topic, partition), timeout, handler, maxMessages);

    private int ConsumeFrom((string Topic, int Partition)? partition, TimeSpan timeout, ConsumedMessageHandler handler, int maxMessages)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        var timeoutMs = timeout == Timeout.InfiniteTimeSpan ? -1 : (int)Math.Clamp(Math.Ceiling(timeout.TotalMilliseconds), 0, int.MaxValue);
        lock (_gate)
        {
            ThrowIfDisposed();
            var queue = _queue;
            if (partition is { } p && !_partitionQueues.TryGetValue(p, out queue))
                throw new InvalidOperationException($"{p.Topic}[{p.Partition}] was not assigned with its own queue (AssignWithPartitionQueues)");
            if (_batch.Length < maxMessages)
                _batch = GC.AllocateUninitializedArray<IntPtr>(maxMessages, pinned: true);
            fixed (IntPtr* messages = _batch)
            {
                // librdkafka waits out the whole timeout unless the batch fills; a partly filled batch should not
                // cost that wait, so only the first message is waited for and the rest is taken as it lies.
                var received = Receive(queue, timeoutMs, messages, 1);
                if (received == 1 && maxMessages > 1)
                    received += Receive(queue, 0, messages + 1, maxMessages - 1);
                var next = 0;
                try
                {
                    for (; next < received; next++)
                    {
                        var message = new ConsumedMessage((RdKafkaMessage*)messages[next]);
                        handler(in message);
                        ConsumerNative.rd_kafka_message_destroy(messages[next]);
                    }
                }
                finally
                {
                    for (; next < received; next++)
                        ConsumerNative.rd_kafka_message_destroy(messages[next]);
                }
                return received;
            }
        }
    }

    private static int Receive(IntPtr queue, int timeoutMs, IntPtr* messages, int maxMessages)
    {
        var received = (int)ConsumerNative.rd_kafka_consume_batch_queue(queue, timeoutMs, messages, (nuint)maxMessages);
        if (received < 0)
            ThrowOnError(ConsumerNative.rd_kafka_last_error(), "consume");
        return received;
    }

    /// <summary>Closes the consumer and frees everything native. Idempotent; not from inside a handler.</summary>
    public void Dispose()
    {
        if (_gate.IsHeldByCurrentThread)
            throw new InvalidOperationException("a KafkaBatchConsumer cannot be disposed from inside its own handler or callback");
        if (Interlocked.Exchange(ref _disposeStarted, 1) != 0) return;
        // Another thread may be waiting in ConsumeBatch holding the lock; wake it rather than wait out its timeout.
        if (_queue != IntPtr.Zero)
            ConsumerNative.rd_kafka_queue_yield(_queue);
        lock (_gate)
        {
            if (_handle != IntPtr.Zero)
            {
                var err = ConsumerNative.rd_kafka_consumer_close(_handle);
                if (err != 0)
                    _logger?.LogWarning("closing the Kafka consumer: {Reason}", MockClusterNative.ErrorText(err));
            }
            ReleaseNative();
        }
    }

    // Queue before client: rd_kafka_destroy expects the application to have let go of its queue handles;
    // the callback target last, because librdkafka may still log while it is destroyed.
    private void ReleaseNative()
    {
        foreach (var queue in _partitionQueues.Values) ConsumerNative.rd_kafka_queue_destroy(queue);
        _partitionQueues.Clear();
        if (_queue != IntPtr.Zero)
        {
            ConsumerNative.rd_kafka_queue_destroy(_queue);
            _queue = IntPtr.Zero;
        }
        if (_handle != IntPtr.Zero)
        {
            MockClusterNative.rd_kafka_destroy(_handle);
            _handle = IntPtr.Zero;
        }
        if (_callbackTarget.IsAllocated)
            _callbackTarget.Free();
    }

    // Checked under the lock: once Dispose has started (and yielded the queue), no new wait may begin,
    // or it could outlast the wake-up and keep Dispose waiting.
    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposeStarted) != 0, this);

    private static void ThrowOnError(int err, string operation)
    {
        if (err != 0)
            throw new KafkaException(new Error((ErrorCode)err, $"{operation}: {MockClusterNative.ErrorText(err)}"));
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnNativeError(IntPtr rk, int err, byte* reason, IntPtr opaque) =>
        (GCHandle.FromIntPtr(opaque).Target as NativeCallbacks)?.Error(Marshal.PtrToStringUTF8((IntPtr)reason) ?? MockClusterNative.ErrorText(err));

    // The log callback has no opaque argument of its own; the client's is the one set on the conf.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnNativeLog(IntPtr rk, int level, byte* facility, byte* line)
    {
        var opaque = rk == IntPtr.Zero ? IntPtr.Zero : ConsumerNative.rd_kafka_opaque(rk);
        if (opaque != IntPtr.Zero)
            (GCHandle.FromIntPtr(opaque).Target as NativeCallbacks)?.Log(level, Marshal.PtrToStringUTF8((IntPtr)facility), Marshal.PtrToStringUTF8((IntPtr)line));
    }

    /// <summary>What librdkafka's callbacks reach; never lets an exception unwind into native code (that would abort the process).</summary>
    private sealed class NativeCallbacks(Action<string>? onError, KafkaClientLog? log)
    {
        public void Error(string reason)
        {
            try
            {
                onError?.Invoke(reason);
            }
            catch (Exception e)
            {
                log?.Logger.LogError(e, "the Kafka error handler failed on: {Reason}", reason);
            }
        }

        public void Log(int syslogLevel, string? facility, string? line) => log?.Log(syslogLevel, facility, line);
    }
}
