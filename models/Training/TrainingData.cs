using System.Security.Cryptography;
using TopUpSpark.Core.Schema;

namespace TopUpSpark.Models.Training;

/// <summary>One customer with bureau rows: the model inputs and the label.</summary>
public sealed record TrainingRow(string Id, double[] Numeric, string?[] Categorical, bool Label);

/// <summary>What loading the two CSVs found, for the log and the model card.</summary>
public sealed record TrainingDataStats(
    long CustomerRows,
    long BureauRows,
    long JoinedRows,
    long CustomersWithoutBureau,
    long UnlabeledRows,
    long MalformedRows,
    long MissingIds,
    long InvalidValues,
    long DuplicateCustomerIds,
    string CustomersSha256,
    string BureauSha256,
    string DataSha256);

/// <summary>
/// Builds the training table the way the streaming job builds its joined rows, but statically: bureau rows
/// aggregated per ID (numeric column → sum of non-null values, other column → count of distinct non-null
/// values), inner-joined with the customers, cast with the schema's rules. Bad values become null and are
/// counted; malformed records are skipped and counted.
/// </summary>
public static class TrainingData
{
    public static (List<TrainingRow> Rows, TrainingDataStats Stats) Load(string customersPath, string bureauPath, TopUpSchema schema)
    {
        var invalidValues = 0L;
        var malformed = 0L;
        var missingIds = 0L;

        var aggregates = AggregateBureau(bureauPath, schema.Bureau, out var bureauRows, ref invalidValues, ref malformed, ref missingIds);

        var customer = schema.Customer;
        var rows = new List<TrainingRow>();
        long customerRows = 0, withoutBureau = 0, unlabeled = 0, duplicates = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using (var csv = CsvFile.Open(customersPath))
        {
            var idOrdinal = csv.RequireColumns([customer.KeyColumn])[0];
            var labelOrdinal = csv.RequireColumns([TopUpFeatureSet.LabelSourceColumn])[0];
            // Per numeric feature: a customer column (ordinal and spec) or a bureau aggregate (ordinal -1).
            var numericSources = TopUpFeatureSet.Numeric
                .Select(name => IsAggregate(name)
                    ? new NumericSource(-1, null, name)
                    : new NumericSource(csv.RequireColumns([name])[0], customer[name], name))
                .ToArray();
            var categoricalOrdinals = csv.RequireColumns(TopUpFeatureSet.Categorical);
            var categoricalSpecs = TopUpFeatureSet.Categorical.Select(c => customer[c]).ToArray();

            while (csv.Read(out var wellFormed) is { } record)
            {
                customerRows++;
                if (!wellFormed) { malformed++; continue; }
                var id = record[idOrdinal];
                if (string.IsNullOrWhiteSpace(id)) { missingIds++; continue; }
                if (!seen.Add(id)) { duplicates++; continue; }
                if (!aggregates.TryGetValue(id, out var aggregate)) { withoutBureau++; continue; }
                var label = TopUpFeatureSet.Label(record[labelOrdinal]);
                if (label is null) { unlabeled++; continue; }

                var numeric = new double[numericSources.Length];
                for (var i = 0; i < numericSources.Length; i++)
                {
                    var source = numericSources[i];
                    numeric[i] = source.Spec is null ? aggregate[source.Name] : CastNumber(source.Spec, record[source.Ordinal], ref invalidValues);
                }
                var categorical = new string?[categoricalSpecs.Length];
                for (var i = 0; i < categoricalSpecs.Length; i++)
                    categorical[i] = ValueCaster.Cast(categoricalSpecs[i], record[categoricalOrdinals[i]], out var value) == CastStatus.Ok ? (string)value! : null;
                rows.Add(new TrainingRow(id, numeric, categorical, label.Value));
            }
            malformed += csv.BadDataCount;
        }

        var customersHash = Sha256(customersPath);
        var bureauHash = Sha256(bureauPath);
        var stats = new TrainingDataStats(customerRows, bureauRows, rows.Count, withoutBureau, unlabeled, malformed, missingIds,
            invalidValues, duplicates, customersHash, bureauHash,
            Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(customersHash + bureauHash))));
        return (rows, stats);
    }

    private sealed record NumericSource(int Ordinal, ColumnSpec? Spec, string Name);

    private static bool IsAggregate(string feature) =>
        feature.EndsWith(TopUpFeatureSet.SumSuffix, StringComparison.Ordinal) || feature.EndsWith(TopUpFeatureSet.DistinctSuffix, StringComparison.Ordinal);

    private static double CastNumber(ColumnSpec spec, string raw, ref long invalidValues)
    {
        var status = ValueCaster.Cast(spec, raw, out var value);
        if (status == CastStatus.Invalid) invalidValues++;
        return status == CastStatus.Ok ? (double)value! : double.NaN;
    }

    /// <summary>Per ID, the aggregates the feature set uses (NaN for a sum with no non-null value, as Spark's null).</summary>
    private static Dictionary<string, Dictionary<string, double>> AggregateBureau(
        string path, DatasetSchema bureau, out long rowCount, ref long invalidValues, ref long malformed, ref long missingIds)
    {
        var aggregates = TopUpFeatureSet.Numeric.Where(IsAggregate).Select(name =>
        {
            var isSum = name.EndsWith(TopUpFeatureSet.SumSuffix, StringComparison.Ordinal);
            var column = name[..^(isSum ? TopUpFeatureSet.SumSuffix.Length : TopUpFeatureSet.DistinctSuffix.Length)];
            if (!bureau.TryGetOrdinal(column, out _))
                throw new SchemaException($"feature '{name}' needs bureau column '{column}', which the schema does not declare");
            var spec = bureau[column];
            if (spec.Type.IsNumeric() != isSum)
                throw new SchemaException($"feature '{name}': column '{column}' is {spec.Type}, so its aggregate is '{column}{(spec.Type.IsNumeric() ? TopUpFeatureSet.SumSuffix : TopUpFeatureSet.DistinctSuffix)}'");
            return (Name: name, Column: column, Spec: spec, IsSum: isSum);
        }).ToList();

        var sums = new Dictionary<string, double?[]>(StringComparer.Ordinal);
        var distinct = new Dictionary<string, HashSet<object>[]>(StringComparer.Ordinal);
        rowCount = 0;
        using (var csv = CsvFile.Open(path))
        {
            var idOrdinal = csv.RequireColumns([bureau.KeyColumn])[0];
            var ordinals = csv.RequireColumns(aggregates.Select(a => a.Column));
            while (csv.Read(out var wellFormed) is { } record)
            {
                rowCount++;
                if (!wellFormed) { malformed++; continue; }
                var id = record[idOrdinal];
                if (string.IsNullOrWhiteSpace(id)) { missingIds++; continue; }
                if (!sums.TryGetValue(id, out var idSums))
                {
                    sums[id] = idSums = new double?[aggregates.Count];
                    distinct[id] = new HashSet<object>[aggregates.Count];
                }
                var idDistinct = distinct[id];
                for (var a = 0; a < aggregates.Count; a++)
                {
                    var status = ValueCaster.Cast(aggregates[a].Spec, record[ordinals[a]], out var value);
                    if (status == CastStatus.Invalid) invalidValues++;
                    if (status != CastStatus.Ok) continue;
                    if (aggregates[a].IsSum) idSums[a] = (idSums[a] ?? 0.0) + (double)value!;
                    else (idDistinct[a] ??= []).Add(value!);
                }
            }
            malformed += csv.BadDataCount;
        }

        var result = new Dictionary<string, Dictionary<string, double>>(sums.Count, StringComparer.Ordinal);
        foreach (var (id, idSums) in sums)
        {
            var values = new Dictionary<string, double>(aggregates.Count, StringComparer.Ordinal);
            for (var a = 0; a < aggregates.Count; a++)
                values[aggregates[a].Name] = aggregates[a].IsSum ? idSums[a] ?? double.NaN : distinct[id][a]?.Count ?? 0;
            result[id] = values;
        }
        return result;
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
