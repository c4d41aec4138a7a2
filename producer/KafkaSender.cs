using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Kafka;

namespace TopUpSpark.Producer;

/// <summary>
/// The producers' Kafka side: one client with their settings, sends that wait while the client's queue is
/// full, messages Kafka refuses or does not acknowledge counted (the first ten logged), and the final flush.
/// </summary>
internal sealed class KafkaSender : IDisposable
{
    /// <summary>How long the last messages get to be acknowledged when the run ends or is stopped.</summary>
    private static readonly TimeSpan FinalFlushTimeout = TimeSpan.FromSeconds(30);

    private readonly IProducer<string, byte[]> _producer;
    private readonly ILogger _logger;
    private readonly Action<DeliveryReport<string, byte[]>> _onDelivery;
    private long _deliveryFailures;
    // The failures counted when the previous batch was acknowledged: the rest belong to the batch being acknowledged.
    private long _failuresBeforeBatch;
    private readonly string _bootstrapServers;

    /// <param name="fastReplay">Favour throughput over latency: bigger, fuller client batches.</param>
    public KafkaSender(KafkaSettings kafka, string clientId, bool fastReplay, ILogger logger)
    {
        _logger = logger;
        _onDelivery = OnDelivery;
        _bootstrapServers = kafka.BootstrapServers;
        try
        {
            _producer = new ProducerBuilder<string, byte[]>(ProducerConfig(kafka, clientId, fastReplay)).LogTo(kafka.ClientLog(logger, clientId)).Build();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // librdkafka refuses unknown keys and bad values of --kafka settings here.
            throw new KafkaSettingsException($"the Kafka producer settings are not valid: {e.Message}");
        }
    }

    /// <summary>Bytes of keys and values handed to Kafka.</summary>
    public long Bytes { get; private set; }

    public long DeliveryFailures => Interlocked.Read(ref _deliveryFailures);

    public void Send(string topic, string key, byte[] value)
    {
        var message = new Message<string, byte[]> { Key = key, Value = value };
        while (true)
        {
            try
            {
                _producer.Produce(topic, message, _onDelivery);
                Bytes += value.Length + key.Length;
                return;
            }
            catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                // The client's queue is full: let its threads drain some of it.
                Thread.Sleep(1);
            }
            catch (ProduceException<string, byte[]> e)
            {
                // A message Kafka refuses outright (e.g. larger than message.max.bytes) is counted; the rest goes on.
                if (Interlocked.Increment(ref _deliveryFailures) <= 10)
                    _logger.LogError("could not send the {Topic} row of key {Key}: {Reason}", topic, key, e.Error.Reason);
                return;
            }
        }
    }

    /// <summary>
    /// In interval mode a batch is reported once Kafka has answered for every message of it: while Kafka does
    /// not answer, the producer waits as long as librdkafka keeps trying (<c>message.timeout.ms</c>, 5 min by
    /// default), says so every interval, and later batches wait their turn. Returns how many of the batch's
    /// messages Kafka did not take.
    /// </summary>
    public long WaitForAcknowledgement(TimeSpan interval, long batch, CancellationToken cancel)
    {
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        while (_producer.Flush(interval) > 0)
        {
            cancel.ThrowIfCancellationRequested();
            _logger.LogWarning("batch {Batch} is not acknowledged by Kafka at {Bootstrap} after {Seconds:F0} s; waiting (a message is given up after message.timeout.ms)",
                batch, _bootstrapServers, waiting.Elapsed.TotalSeconds);
        }
        var failures = Interlocked.Read(ref _deliveryFailures);
        var undelivered = failures - _failuresBeforeBatch;
        _failuresBeforeBatch = failures;
        return undelivered;
    }

    /// <summary>Waits for everything sent to be acknowledged (at most 30 s); what is not counts as failed.</summary>
    public void FinalFlush()
    {
        var unsent = _producer.Flush(FinalFlushTimeout);
        if (unsent <= 0) return;
        Interlocked.Add(ref _deliveryFailures, unsent);
        _logger.LogError("{Unsent} message(s) were still unacknowledged after {Timeout} s and may be lost", unsent, FinalFlushTimeout.TotalSeconds);
    }

    /// <summary>Batch k is due at k·interval after the start, however long earlier batches took: the cadence does not drift.</summary>
    public static async Task WaitUntilDue(long batch, TimeSpan interval, System.Diagnostics.Stopwatch clock, ILogger logger, CancellationToken cancel)
    {
        var due = interval * batch;
        var wait = due - clock.Elapsed;
        if (wait > TimeSpan.Zero)
            await Task.Delay(wait, cancel);
        else if (-wait > interval)
            logger.LogWarning("batch {Batch} is {Behind:F1} s behind its schedule (sending or acknowledgement is slower than the interval)",
                batch, -wait.TotalSeconds);
    }

    private void OnDelivery(DeliveryReport<string, byte[]> report)
    {
        if (!report.Error.IsError) return;
        if (Interlocked.Increment(ref _deliveryFailures) <= 10)
            _logger.LogError("Kafka did not accept a message for {Topic}: {Reason}", report.Topic, report.Error.Reason);
    }

    private static ProducerConfig ProducerConfig(KafkaSettings kafka, string clientId, bool fastReplay)
    {
        var config = kafka.Producer(clientId);
        void SetUnlessGiven(string key, string value)
        {
            if (!kafka.PassThrough.ContainsKey(key)) config.Set(key, value);
        }
        // Reports are only read for their error; copying keys and values back would cost throughput.
        SetUnlessGiven("dotnet.producer.delivery.report.fields", "none");
        // A consumer keeps each message set it fetched in memory, decompressed, until it has read every
        // message in it. librdkafka's 1 MB sets cost a streaming job reading a few hundred messages per
        // partition per batch about 1 MiB per partition (about 60 MiB of peak RSS over 64 partitions); 64 KiB sets,
        // nearer the Java client's 16 KiB, cost it next to nothing, and the replay about 10 % of its speed.
        SetUnlessGiven("batch.size", "65536");
        if (fastReplay)
        {
            // Replay favours throughput: bigger, fuller batches and room for a whole pass in the client queue.
            SetUnlessGiven("linger.ms", "50");
            SetUnlessGiven("queue.buffering.max.messages", "1000000");
            SetUnlessGiven("queue.buffering.max.kbytes", "2097152");
        }
        return config;
    }

    public void Dispose() => _producer.Dispose();
}
