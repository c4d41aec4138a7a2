using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using TopUpSpark.Core;
using TopUpSpark.Core.Kafka;
using TopUpSpark.Core.Messages;
using TopUpSpark.Core.Schema;
using TopUpSpark.Producer;
using TopUpSpark.Producer.DataGeneration;
using TopUpSpark.Scoring;
using TopUpSpark.Streaming.Execution;
using TopUpSpark.TestSupport;

namespace TopUpSpark.Job.Tests;

/// <summary>
/// Embedded broker + producer (bounded replay) + the job (available-now): the parquet outputs and the
/// topup-by-state messages must equal what this test computes on its own from the rows produced.
/// </summary>
[NonParallelizable]
public class EndToEndTests
{
    private static readonly DateTimeOffset ReplayStart = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
    private string _work = null!;
    private string _modelFile = null!;

    [OneTimeSetUp]
    public async Task ImportTheCourseModel()
    {
        _work = RepositoryRoot.NewScratchDirectory("e2e");
        _modelFile = await JobTestBed.ImportCourseModel(_work);
    }

    [OneTimeTearDown]
    public void Clean() => Directory.Delete(_work, recursive: true);

    [TestCase(true, TestName = "End_to_end_with_flush_emits_every_window_exactly_as_computed_independently")]
    [TestCase(false, TestName = "End_to_end_without_flush_emits_exactly_the_windows_the_watermark_closed")]
    public async Task Outputs_equal_an_independent_computation(bool flushAtEnd)
    {
        var run = Path.Combine(_work, flushAtEnd ? "flush" : "no-flush");
        var data = Path.Combine(run, "data");
        DataGenerator.Generate(new GeneratorOptions { Customers = 600, Seed = 11, OutputDirectory = data });
        var schema = TopUpSchema.Default;
        var input = TopUpInput.LoadDirectory(data, schema);

        using var cluster = EmbeddedKafkaCluster.Start(topics: Topics.All, partitions: 4);
        var kafka = new KafkaSettings(cluster.BootstrapServers);
        var batches = new List<ProducedBatch>();
        var producer = new TopUpProducer(input, kafka, new ProducerOptions { Replay = true, ReplayStart = ReplayStart, MaxBatches = 14, Seed = 5 },
            logger: NullLogger.Instance);
        producer.BatchProduced += batches.Add;
        await producer.RunAsync();

        var options = new TopUpJobOptions
        {
            OutputDirectory = Path.Combine(run, "out"),
            ModelFile = _modelFile,
            Trigger = new Trigger.AvailableNow(),
            FlushAtEnd = flushAtEnd,
        };
        var summary = await TopUpJob.RunAsync(options, kafka, NullLoggerFactory.Instance, CancellationToken.None);
        Assert.That(summary.Failed, Is.False, summary.Error);

        var model = ModelFile.Load(_modelFile, AssemblerInvalidHandling.Keep);
        var lastTs = DateTimeOffset.FromUnixTimeSeconds(batches.Max(b => b.Ts));
        var closedUpTo = flushAtEnd ? DateTimeOffset.MaxValue : lastTs - TimeSpan.FromSeconds(5);
        var expected = IndependentJoin(input, schema, batches)
            .Where(j => j.WindowEnd <= closedUpTo)
            .Select(j => j with { Score = model.Score(j.Numeric(model), j.Categorical(model)) })
            .ToList();
        Assert.That(expected, Has.Count.GreaterThan(100), "the run must exercise a real volume of joins");

        static string Key(object? id, object? start, object? ts) => $"{id}|{start:O}|{ts:O}";
        var joined = ParquetRows.ReadFolder(options.JoinedDirectory);
        Assert.That(joined.Select(r => Key(r["ID"], r["window_start"], r["ts"])).Order(),
            Is.EqualTo(expected.Select(e => Key(e.Id, e.WindowStart, e.Ts)).Order()));
        var expectedByKey = expected.ToDictionary(e => Key(e.Id, e.WindowStart, e.Ts));
        foreach (var row in joined)
        {
            var e = expectedByKey[Key(row["ID"], row["window_start"], row["ts"])];
            Assert.That(row["window_end"], Is.EqualTo(e.WindowEnd));
            Assert.That(row["Top-up_Month"], Is.EqualTo(e.TopUpMonth));
        }

        var predictions = ParquetRows.ReadFolder(options.PredictionsDirectory);
        Assert.That(predictions, Has.Count.EqualTo(expected.Count));
        foreach (var row in predictions)
        {
            var e = expectedByKey[Key(row["ID"], row["window_start"], row["ts"])];
            Assert.That(row["prediction"], Is.EqualTo((double)e.Score.Prediction), $"prediction of {row["ID"]}");
            Assert.That((double)row["probability"]!, Is.EqualTo(e.Score.Probability).Within(1e-12));
        }

        var expectedMessages = expected.Where(e => e.Score.Prediction == 1)
            .GroupBy(e => StateCountsMessage.FormatKey(e.WindowEnd))
            .ToDictionary(g => g.Key, g => g.GroupBy(e => e.State ?? "UNKNOWN").ToDictionary(s => s.Key, s => (long)s.Count()));
        Assert.That(expectedMessages, Is.Not.Empty, "some windows must have predicted top-ups");
        var published = JobTestBed.ReadPublished(kafka, Topics.TopUpByState);
        Assert.That(published.Keys, Is.EquivalentTo(expectedMessages.Keys));
        foreach (var (key, message) in published)
            Assert.That(message.Counts.ToDictionary(c => c.State, c => c.Count), Is.EquivalentTo(expectedMessages[key]), key);
        Assert.That(summary.PredictedTopUps, Is.EqualTo(expected.Count(e => e.Score.Prediction == 1)));
        Assert.That(summary.DeadLetters, Is.Zero);
        Assert.That(summary.LateRowsDropped, Is.Zero);
    }

    private sealed record ExpectedJoin(string Id, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, DateTimeOffset Ts, string? TopUpMonth,
        string? State, Dictionary<string, object?> Columns, ModelScore Score = default)
    {
        public double[] Numeric(ITopUpModel model) =>
            model.NumericInputs.Select(n => Columns[n] switch { double d => d, long l => l, _ => double.NaN }).ToArray();

        public string?[] Categorical(ITopUpModel model) => model.CategoricalInputs.Select(n => (string?)Columns[n]).ToArray();
    }

    /// <summary>DESIGN §3/§4 done by hand: 30 s windows of bureau rows per ID, joined with customers whose ts falls in [start, end].</summary>
    private static List<ExpectedJoin> IndependentJoin(TopUpInput input, TopUpSchema schema, IReadOnlyList<ProducedBatch> batches)
    {
        var customerRows = input.Customers.ToDictionary(r => r.Id, r => Values(r, schema.Customer, schema));
        var sent = batches.SelectMany(b => b.CustomerIds.Select(id => (Id: id, Ts: b.Timestamp))).ToList();
        var windows = sent
            .SelectMany(s => input.BureauRowsOf(s.Id).Select(row => (s.Id, Start: WindowStart(s.Ts), Row: Values(row, schema.Bureau, schema))))
            .GroupBy(x => (x.Id, x.Start));
        var result = new List<ExpectedJoin>();
        foreach (var window in windows)
        {
            var aggregates = new Dictionary<string, object?>();
            foreach (var column in schema.Bureau.Columns.Where(c => c.Name != "ID"))
            {
                var values = window.Select(w => Cast(column, w.Row[schema.Bureau.Ordinal(column.Name)])).Where(v => v is not null).ToList();
                if (column.Type.IsNumeric()) aggregates[column.Name + "_sum"] = values.Count == 0 ? null : values.Sum(v => (double)v!);
                else aggregates[column.Name + "_dist"] = (long)values.Distinct().Count();
            }
            var start = window.Key.Start;
            var end = start.AddSeconds(30);
            foreach (var customer in sent.Where(s => s.Id == window.Key.Id && start <= s.Ts && s.Ts <= end))
            {
                var row = customerRows[customer.Id];
                var columns = new Dictionary<string, object?>(aggregates);
                foreach (var column in schema.Customer.Columns) columns[column.Name] = Cast(column, row[schema.Customer.Ordinal(column.Name)]);
                result.Add(new ExpectedJoin(customer.Id, start, end, customer.Ts, (string?)columns["Top-up Month"], (string?)columns["State"], columns));
            }
        }
        return result;
    }

    /// <summary>The row's CSV values as the producer sent them (its message, decoded by the shared contract).</summary>
    private static string?[] Values(PreparedRow row, DatasetSchema dataset, TopUpSchema schema)
    {
        Assert.That(InputMessageCodec.TryDecode(row.Message(0), dataset, schema.EventTimeColumn, out var values, out _, out var error), Is.True, error);
        return values;
    }

    private static DateTimeOffset WindowStart(DateTimeOffset ts) => DateTimeOffset.FromUnixTimeSeconds(ts.ToUnixTimeSeconds() / 30 * 30);

    private static object? Cast(ColumnSpec column, string? raw)
    {
        ValueCaster.Cast(column, raw, out var value);
        return value;
    }
}
