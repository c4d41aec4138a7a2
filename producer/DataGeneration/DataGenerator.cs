using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using TopUpSpark.Core.Schema;

namespace TopUpSpark.Producer.DataGeneration;

/// <summary>
/// Writes a synthetic version of the course data — <c>customer.csv</c>, <c>bureau.csv</c> with the
/// schema's headers, and <c>true-probability.csv</c> (ID, probability, Top-up) — deterministically from a
/// seed. The generating process is described in docs/data-generator.md.
/// </summary>
public static class DataGenerator
{
    public const string CustomerFileName = "customer.csv";
    public const string BureauFileName = "bureau.csv";
    public const string TrueProbabilityFileName = "true-probability.csv";

    private const ulong LabelStream = 0x4C4142454CUL;
    private const int ChunkSize = 4096;

    private static readonly WeightedChoice<string> TopUpMonthsGivenTopUp = new(
        TopUpMonths.OriginalCounts.Where(m => m.Key != TopUpMonths.NoTopUp).Select(m => (m.Key, (double)m.Value)));

    public static GenerationSummary Generate(GeneratorOptions options, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Customers, 1, nameof(options.Customers));
        var clock = Stopwatch.StartNew();
        var sampler = new CustomerSampler(Vocabulary.Default, options.Schema ?? TopUpSchema.Default, options.Seed);
        var count = options.Customers;

        // Pass 1: every customer's η, to calibrate the intercept so the mean probability is the original prior.
        var linearPredictors = new double[count];
        Parallel.For(0, count, new ParallelOptions { CancellationToken = cancel },
            i => linearPredictors[i] = TopUpProcess.LinearPredictor(sampler.Draw(i).Inputs));
        var intercept = TopUpProcess.CalibrateIntercept(linearPredictors);

        // Pass 2: draw again (identically) and write; the next chunk is drawn while this one is written.
        Directory.CreateDirectory(options.OutputDirectory);
        var customerPath = Path.Combine(options.OutputDirectory, CustomerFileName);
        var bureauPath = Path.Combine(options.OutputDirectory, BureauFileName);
        var probabilityPath = Path.Combine(options.OutputDirectory, TrueProbabilityFileName);
        var probabilities = new double[count];
        var labels = new bool[count];
        var monthCounts = TopUpMonths.OriginalCounts.ToDictionary(m => m.Key, _ => 0, StringComparer.Ordinal);
        var states = new HashSet<string>(StringComparer.Ordinal);
        var branches = new HashSet<string>(StringComparer.Ordinal);
        var cities = new HashSet<string>(StringComparer.Ordinal);
        long bureauRows = 0;
        var withoutBureau = 0;

        using (var customers = new CsvFile(customerPath, sampler.CustomerHeaders))
        using (var bureau = new CsvFile(bureauPath, sampler.BureauHeaders))
        using (var truth = new CsvFile(probabilityPath, ["ID", "probability", "Top-up"]))
        {
            var next = Task.Run(() => DrawChunk(sampler, 0, count), cancel);
            for (var start = 0; start < count; start += ChunkSize)
            {
                var chunk = next.GetAwaiter().GetResult();
                var nextStart = start + ChunkSize;
                if (nextStart < count)
                    next = Task.Run(() => DrawChunk(sampler, nextStart, count), cancel);
                for (var k = 0; k < chunk.Length; k++)
                {
                    var index = start + k;
                    var customer = chunk[k];
                    var probability = TopUpProcess.Probability(linearPredictors[index], intercept);
                    var label = SeededRandom.For(options.Seed, LabelStream, index);
                    var topUp = label.NextDouble() < probability;
                    var month = topUp ? TopUpMonthsGivenTopUp.Pick(label) : TopUpMonths.NoTopUp;
                    customer.Customer[sampler.TopUpMonthOrdinal] = month;
                    customers.Write(customer.Customer);
                    foreach (var row in customer.Bureau) bureau.Write(row);
                    truth.Write([customer.Customer[sampler.IdOrdinal], probability.ToString("0.########", CultureInfo.InvariantCulture), topUp ? "1" : "0"]);

                    probabilities[index] = probability;
                    labels[index] = topUp;
                    monthCounts[month]++;
                    states.Add(customer.Inputs.State);
                    branches.Add(customer.Inputs.BranchId);
                    cities.Add(customer.Inputs.City);
                    bureauRows += customer.Bureau.Count;
                    if (customer.Bureau.Count == 0) withoutBureau++;
                }
                cancel.ThrowIfCancellationRequested();
            }
        }

        return new GenerationSummary(customerPath, bureauPath, probabilityPath, count, bureauRows, withoutBureau,
            labels.Count(l => l), probabilities.Average(), AreaUnderCurve.Compute(probabilities, labels), intercept,
            monthCounts, states.Count, branches.Count, cities.Count, clock.Elapsed);
    }

    private static GeneratedCustomer[] DrawChunk(CustomerSampler sampler, int start, int count)
    {
        var chunk = new GeneratedCustomer[Math.Min(ChunkSize, count - start)];
        for (var k = 0; k < chunk.Length; k++) chunk[k] = sampler.Draw(start + k);
        return chunk;
    }

    /// <summary>A CSV file written with CsvHelper: UTF-8 without BOM, '\n' line ends, quoting only where needed.</summary>
    private sealed class CsvFile : IDisposable
    {
        private readonly StreamWriter _stream;
        private readonly CsvWriter _csv;

        public CsvFile(string path, IReadOnlyList<string> headers)
        {
            _stream = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16);
            _csv = new CsvWriter(_stream, new CsvConfiguration(CultureInfo.InvariantCulture) { NewLine = "\n" });
            Write(headers);
        }

        public void Write(IReadOnlyList<string> values)
        {
            foreach (var value in values) _csv.WriteField(value);
            _csv.NextRecord();
        }

        public void Dispose()
        {
            _csv.Dispose();
            _stream.Dispose();
        }
    }
}
