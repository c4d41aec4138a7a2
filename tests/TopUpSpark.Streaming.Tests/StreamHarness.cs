using System.Text.Json;
using TopUpSpark.Core.Schema;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.Streaming.Operators;
using TopUpSpark.Streaming.Progress;
using TopUpSpark.Streaming.Rows;
using TopUpSpark.Streaming.Sinks;
using TopUpSpark.Streaming.Sources;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Streaming.Tests;

/// <summary>
/// The TopUp query's shape on small in-memory inputs: bureau rows aggregated per ID in 30 s windows
/// (sum of AMT, distinct TYPEs), joined with customers on ID and window_start ≤ ts ≤ window_end.
/// Each <see cref="ProcessAvailable"/> starts the query afresh on the same checkpoint, as a restart would.
/// </summary>
public sealed class StreamHarness : IDisposable
{
    /// <summary>Event time zero of the tests; a multiple of 30 s since the epoch, so windows align to it.</summary>
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly DatasetSchema Bureau = new("bureau", "ID",
        [new ColumnSpec("ID", ColumnType.String), new ColumnSpec("AMT", ColumnType.Number), new ColumnSpec("TYPE", ColumnType.String)]);

    public static readonly DatasetSchema Customer = new("customer", "ID",
        [new ColumnSpec("ID", ColumnType.String), new ColumnSpec("State", ColumnType.String)]);

    private readonly StreamingSession _session;
    private readonly MemorySource _bureau = new("bureau");
    private readonly MemorySource _customer = new("customer");
    private readonly Func<long, bool>? _failBatch;

    public StreamHarness(string? directory = null, bool flushAtEnd = false, long? maxRecordsPerTrigger = null, Func<long, bool>? failAfterSinks = null)
    {
        Directory = directory ?? RepositoryRoot.NewScratchDirectory("stream");
        FlushAtEnd = flushAtEnd;
        MaxRecordsPerTrigger = maxRecordsPerTrigger;
        _failBatch = failAfterSinks;
        _session = StreamingSession.CreateBuilder().AppName("harness").Master("local[2]").GetOrCreate();
        var bureau = _session.Read("bureau", _bureau).ParseJson(Bureau, "ts").Cast(Bounds)
            .WithWatermark("ts", TimeSpan.FromSeconds(5), "bureau")
            .GroupByWindow("ts", TimeSpan.FromSeconds(30), "ID",
                [AggregateFunction.Sum("AMT", "AMT_sum"), AggregateFunction.CountDistinct("TYPE", "TYPE_dist")]);
        var customers = _session.Read("customer", _customer).ParseJson(Customer, "ts").Cast(Bounds)
            .WithWatermark("ts", TimeSpan.FromSeconds(5), "customer");
        var joined = bureau.JoinWindowsWith(customers, "ID", WindowAggregate.WindowStartColumn, WindowAggregate.WindowEndColumn, "ts", TimeSpan.FromSeconds(30));
        joined.WriteParquet(Path.Combine(Directory, "joined"));
        joined.ForeachBatch("collect", (rows, schema, batch) =>
        {
            var batchId = batch.BatchId;
            JoinedSchema = schema;
            foreach (var row in rows) Joined.Add((batchId, row));
            if (_failBatch?.Invoke(batchId) == true) throw new SimulatedCrash(batchId);
        });
    }

    public static readonly EventTimeBounds Bounds = new(T0.AddDays(-1), TimeSpan.FromDays(3650));

    /// <summary>How often the default trigger looks for new data when the last look found none.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public string Directory { get; }
    public bool FlushAtEnd { get; }
    public long? MaxRecordsPerTrigger { get; }
    public TimeProvider Time { get; init; } = TimeProvider.System;
    public List<(long BatchId, object?[] Row)> Joined { get; } = [];
    public RowSchema? JoinedSchema { get; private set; }
    public List<QueryProgress> Progress { get; } = [];
    public List<DeadLetter> DeadLetters { get; } = [];
    public DateTimeOffset? Watermark { get; private set; }

    public static DateTimeOffset T(int seconds) => T0.AddSeconds(seconds);

    public static string BureauJson(string id, int ts, string amt = "1", string type = "A") =>
        JsonSerializer.Serialize(new Dictionary<string, string> { ["ID"] = id, ["AMT"] = amt, ["TYPE"] = type, ["ts"] = Ts(ts) });

    public static string CustomerJson(string id, int ts, string state = "GUJARAT") =>
        JsonSerializer.Serialize(new Dictionary<string, string> { ["ID"] = id, ["State"] = state, ["ts"] = Ts(ts) });

    public static string Ts(int seconds) => T(seconds).ToUnixTimeSeconds().ToString();

    public void AddBureau(params string[] json) => _bureau.AddBatch(json.Select(j => ((string?)null, j)));
    public void AddCustomers(params string[] json) => _customer.AddBatch(json.Select(j => ((string?)null, j)));

    /// <summary>Runs the query with the available-now trigger: everything present, then any no-data batches, then stop.</summary>
    public IReadOnlyList<QueryProgress> ProcessAvailable()
    {
        var before = Progress.Count;
        RunAsync(new Trigger.AvailableNow(), CancellationToken.None).GetAwaiter().GetResult();
        return Progress.Skip(before).ToList();
    }

    /// <summary>Runs the query with <paramref name="trigger"/> until it stops by itself or is cancelled.</summary>
    public async Task RunAsync(Trigger trigger, CancellationToken cancel)
    {
        using var query = _session.Start(new StreamingQueryOptions
        {
            Name = "harness",
            CheckpointLocation = Path.Combine(Directory, "checkpoint"),
            Trigger = trigger,
            FlushAtEnd = FlushAtEnd,
            MaxRecordsPerTrigger = MaxRecordsPerTrigger,
            ProgressFile = Path.Combine(Directory, "progress.jsonl"),
            PollInterval = PollInterval,
            Time = Time,
        }, new CollectingDeadLetters(DeadLetters));
        query.Progress += p => { lock (Progress) Progress.Add(p); };
        await query.RunAsync(cancel);
        Watermark = query.CurrentWatermark;
    }

    public object? Value(object?[] row, string column) => row[JoinedSchema!.Ordinal(column)];

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }

    private sealed class CollectingDeadLetters(List<DeadLetter> into) : IDeadLetterSink
    {
        public void Send(TopUpSpark.Core.Messages.BatchPart batch, IReadOnlyCollection<DeadLetter> letters) => into.AddRange(letters);
    }
}

public sealed class SimulatedCrash(long batchId) : Exception($"simulated crash after the sinks of batch {batchId}");
