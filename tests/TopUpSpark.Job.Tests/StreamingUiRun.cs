using System.Net;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using TopUpSpark.Core;
using TopUpSpark.Core.Cli;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Schema;
using TopUpSpark.Job.Ui;
using TopUpSpark.Producer;
using TopUpSpark.Producer.DataGeneration;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Job.Tests;

/// <summary>
/// The job running with its streaming UI (any free port) against the embedded broker, fed by the producer one
/// batch at a time: each producer batch (with 1–3 customers of the one before held back, late) becomes one data
/// batch of the job, so the UI has batches, late drops and a moving watermark to show.
/// </summary>
public sealed class StreamingUiRun : IAsyncDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);

    private readonly string _work;
    private readonly EmbeddedKafkaCluster _cluster;
    private readonly TopUpInput _input;
    private readonly CancellationTokenSource _stop;
    private readonly Task<JobSummary> _job;
    private readonly HttpClient _http = new();
    private int _batchesProduced;

    private StreamingUiRun(string work, EmbeddedKafkaCluster cluster, TopUpInput input, TopUpJobOptions options, CancellationTokenSource stop,
        Task<JobSummary> job, Uri address)
    {
        _work = work;
        _stop = stop;
        _cluster = cluster;
        _input = input;
        Options = options;
        _job = job;
        Address = address;
    }

    public Uri Address { get; }
    public TopUpJobOptions Options { get; }
    public KafkaSettings Kafka => new(_cluster.BootstrapServers);

    /// <summary>Input records sent so far (customer and bureau rows, and messages that are no rows at all).</summary>
    public long RecordsSent { get; private set; }

    public static async Task<StreamingUiRun> StartAsync(string name)
    {
        var work = RepositoryRoot.NewScratchDirectory(name);
        var modelFile = await JobTestBed.ImportCourseModel(work);
        var data = Path.Combine(work, "data");
        DataGenerator.Generate(new GeneratorOptions { Customers = 300, Seed = 5, OutputDirectory = data });
        var input = TopUpInput.LoadDirectory(data, TopUpSchema.Default);
        var cluster = EmbeddedKafkaCluster.Start(topics: Topics.All, partitions: 4);
        var options = new TopUpJobOptions
        {
            OutputDirectory = Path.Combine(work, "out"),
            ModelFile = modelFile,
            WatermarkDelay = TimeSpan.Zero,
            WindowLength = Window,
            Ui = new StreamingUiOptions(IPAddress.Loopback, 0),
        };
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stop = new CancellationTokenSource();
        var job = Task.Run(() => TopUpJob.RunAsync(options, new KafkaSettings(cluster.BootstrapServers), NullLoggerFactory.Instance, stop.Token, listening.SetResult));
        if (await Task.WhenAny(listening.Task, job).WaitAsync(Waits.HangBound) == job)
            Assert.Fail($"the job stopped before its UI listened: {(await job).Error}");
        var address = await listening.Task;
        return new StreamingUiRun(work, cluster, input, options, stop, job, address);
    }

    /// <summary>Sends the next <paramref name="batches"/> producer batches, each once the job has read the one before.</summary>
    public async Task ProduceAsync(int batches)
    {
        var producer = new TopUpProducer(_input, Kafka, new ProducerOptions
        {
            Replay = true, ReplayStart = Start + _batchesProduced * Window, Interval = Window, MaxBatches = batches, Seed = 8 + _batchesProduced,
            Late = new CountRange(1, 3), LateSeed = 9,
        }, NullLogger.Instance);
        producer.BatchProduced += batch =>
        {
            RecordsSent += batch.CustomerIds.Count + batch.BureauRows + (batch.Late?.CustomerIds.Count ?? 0) + (batch.Late?.BureauRows ?? 0);
            WaitUntilRead().GetAwaiter().GetResult();
        };
        await producer.RunAsync();
        _batchesProduced += batches;
    }

    /// <summary>Sends a customer message that is not JSON: the job sends it to the dead-letter topic.</summary>
    public async Task SendMalformedCustomerAsync()
    {
        using var producer = new ProducerBuilder<string, string>(Kafka.FlushingProducer("ui-test")).Build();
        await producer.ProduceAsync(Topics.Customer, new Message<string, string> { Key = "broken", Value = "{not json" });
        RecordsSent++;
        await WaitUntilRead();
    }

    public async Task<JsonElement> ProgressAsync() =>
        JsonDocument.Parse(await _http.GetStringAsync(new Uri(Address, "api/progress"))).RootElement.Clone();

    private async Task WaitUntilRead()
    {
        var deadline = DateTime.UtcNow + Waits.HangBound;
        long read = 0;
        while (DateTime.UtcNow < deadline)
        {
            read = (await ProgressAsync()).GetProperty("batches").EnumerateArray().Sum(b => b.GetProperty("numInputRows").GetInt64());
            if (read >= RecordsSent) return;
            await Task.Delay(100);
        }
        Assert.Fail($"the UI showed {read} of {RecordsSent} records read within {Waits.HangBound.TotalSeconds:0} s");
    }

    /// <summary>Stops the job as Ctrl-C does and returns its summary.</summary>
    public async Task<JobSummary> StopAsync()
    {
        await _stop.CancelAsync();
        return await _job.WaitAsync(Waits.HangBound);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_job.IsCompleted) await StopAsync();
        _stop.Dispose();
        _http.Dispose();
        _cluster.Dispose();
        Directory.Delete(_work, recursive: true);
    }
}
