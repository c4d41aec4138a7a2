using System.Diagnostics;
using System.Globalization;
using CsvHelper;
using Microsoft.Extensions.Logging;
using TopUpSpark.Core.Schema;
using TopUpSpark.Models.Training;
using TopUpSpark.Scoring;

namespace TopUpSpark.Models.Scoring;

/// <summary>What a CSV scoring run did.</summary>
public sealed record ScoreSummary(long Rows, long Scored, long Rejected, long Skipped, long Malformed, long UnparseableNumbers, TimeSpan Elapsed);

/// <summary>
/// Scores a CSV of joined rows: the model's inputs are found by column name; the output is every input
/// column plus <c>prediction</c> and <c>probability</c> (shortest round-trip form, so it reads back exactly).
/// Rows the model refuses, and malformed records, go to a rejects file with the reason; the rest goes on.
/// </summary>
public static class CsvScorer
{
    private const int ReasonsLogged = 5;

    public static ScoreSummary Score(ITopUpModel model, string inputPath, string outputPath, string rejectedPath, ILogger logger, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        using var input = CsvFile.Open(inputPath);
        var numericOrdinals = input.RequireColumns(model.NumericInputs);
        var categoricalOrdinals = input.RequireColumns(model.CategoricalInputs);
        foreach (var extra in new[] { "prediction", "probability" }.Where(c => input.Ordinal(c) >= 0))
            throw new InvalidDataException($"{inputPath}: already has a '{extra}' column; the output would repeat it");

        var outputDirectory = Path.GetDirectoryName(Path.GetFullPath(outputPath));
        if (!string.IsNullOrEmpty(outputDirectory)) Directory.CreateDirectory(outputDirectory);
        using var output = new CsvWriter(new StreamWriter(outputPath), CultureInfo.InvariantCulture);
        foreach (var column in input.Header) output.WriteField(column);
        output.WriteField("prediction");
        output.WriteField("probability");
        output.NextRecord();

        CsvWriter? rejects = null;
        long rows = 0, scored = 0, rejected = 0, skipped = 0, malformed = 0, unparseable = 0;
        var numeric = new double[numericOrdinals.Length];
        var categorical = new string?[categoricalOrdinals.Length];
        try
        {
            while (input.Read(out var wellFormed) is { } record)
            {
                cancel.ThrowIfCancellationRequested();
                rows++;
                if (!wellFormed)
                {
                    malformed++;
                    Reject(record, $"line {input.LineNumber}: {record.Length} fields, the header has {input.Header.Length}");
                    continue;
                }
                for (var i = 0; i < numericOrdinals.Length; i++)
                {
                    var raw = record[numericOrdinals[i]];
                    if (string.IsNullOrWhiteSpace(raw)) numeric[i] = double.NaN;
                    else if (!ValueCaster.TryParseNumber(raw, out numeric[i]))
                    {
                        numeric[i] = double.NaN;
                        unparseable++;
                    }
                }
                for (var i = 0; i < categoricalOrdinals.Length; i++)
                    categorical[i] = record[categoricalOrdinals[i]] is { Length: > 0 } value ? value : null;

                ModelScore score;
                try
                {
                    score = model.Score(numeric, categorical);
                }
                catch (ScoringException e)
                {
                    if (e.Kind == ScoringFailureKind.Skipped) skipped++; else rejected++;
                    Reject(record, $"line {input.LineNumber}: {e.Message}");
                    continue;
                }
                foreach (var field in record) output.WriteField(field);
                output.WriteField(score.Prediction.ToString(CultureInfo.InvariantCulture));
                output.WriteField(score.Probability.ToString("R", CultureInfo.InvariantCulture));
                output.NextRecord();
                scored++;
            }
        }
        finally
        {
            rejects?.Dispose();
        }
        malformed += input.BadDataCount;
        return new ScoreSummary(rows, scored, rejected, skipped, malformed, unparseable, clock.Elapsed);

        void Reject(string[] record, string reason)
        {
            if (rejects is null)
            {
                rejects = new CsvWriter(new StreamWriter(rejectedPath), CultureInfo.InvariantCulture);
                foreach (var column in input.Header) rejects.WriteField(column);
                rejects.WriteField("reason");
                rejects.NextRecord();
            }
            foreach (var field in record) rejects.WriteField(field);
            rejects.WriteField(reason);
            rejects.NextRecord();
            if (rejected + skipped + malformed <= ReasonsLogged) logger.LogWarning("not scored: {Reason}", reason);
        }
    }
}
