using TopUpSpark.Core.Messages;
using Parquet;
using Parquet.Schema;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Streaming.Sinks;

/// <summary>
/// Appends each batch's rows to a folder, a file per batch and the tasks it ran:
/// <c>part-&lt;batch&gt;-&lt;tasks&gt;.snappy.parquet</c> (tasks as ranges, e.g. <c>0-63</c> or <c>0-2_5</c>), so that
/// instances of one query, each running its own tasks, write into one folder side by side, and one instance
/// writes one file a batch, not one a task. The file is written under a temporary name and renamed into
/// place, so readers never see half a file. A replayed batch writes only the tasks no file of that batch
/// holds yet — once its tasks may have moved to other instances, its task set can differ from the
/// original's — so no row is written twice. A batch without rows writes no file. Timestamps are stored as
/// UTC-adjusted microsecond timestamps, as Spark reads them.
/// </summary>
public sealed class ParquetSink(string directory) : IBatchSink
{
    public string Directory { get; } = Path.GetFullPath(directory);
    public string Description => $"FileSink[{Directory}] (parquet)";

    private const string Suffix = ".snappy.parquet";
    private const string TemporarySuffix = ".tmp";

    public static string FileName(long batchId, IReadOnlyCollection<int> tasks) => $"part-{batchId:D8}-{TaskSet.Format(tasks)}{Suffix}";

    /// <summary>
    /// Files a run killed in the middle of a write left behind: hidden, under a temporary name, never
    /// renamed into place. Readers skip them, but they would pile up; the batch itself is replayed.
    /// </summary>
    public IReadOnlyList<string> RemoveLeftovers(IReadOnlyCollection<int> tasks)
    {
        if (!System.IO.Directory.Exists(Directory)) return [];
        // Only those of the given tasks: other instances may be writing theirs right now.
        var leftovers = System.IO.Directory.EnumerateFiles(Directory, $".part-*{Suffix}.*{TemporarySuffix}")
            .Where(file => TasksOf(Path.GetFileName(file)[1..]) is { } written && written.Overlaps(tasks)).ToList();
        foreach (var file in leftovers) File.Delete(file);
        return leftovers;
    }

    /// <summary>The tasks in a file's name (<c>part-&lt;batch&gt;-&lt;tasks&gt;.snappy.parquet…</c>); null for a name of another form.</summary>
    private static HashSet<int>? TasksOf(string fileName)
    {
        var parts = fileName.Split('-', 3);
        if (parts.Length < 3 || parts[0] != "part") return null;
        var end = parts[2].IndexOf(Suffix, StringComparison.Ordinal);
        return end > 0 && TaskSet.TryParse(parts[2][..end], out var tasks) ? tasks : null;
    }

    /// <summary>
    /// Writes made-up rows to memory twice, once with repeated values (dictionary-encoded) and once with
    /// distinct ones (plain), both with nulls: the writer's code for this schema is then compiled before the
    /// first batch with rows, which would otherwise take 10–30 ms longer.
    /// </summary>
    public void Prepare(RowSchema schema)
    {
        object?[] Row(int value) => schema.Kinds.Select(kind => SampleValue(kind, value)).ToArray();
        foreach (var rows in new[] { new[] { Row(1), Row(1), Row(1), new object?[schema.Count] }, [Row(1), Row(2), new object?[schema.Count]] })
        {
            using var scratch = new MemoryStream();
            WriteAsync(scratch, schema, rows, CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    private static object SampleValue(ColumnKind kind, int value) => kind switch
    {
        ColumnKind.String => $"sample {value}",
        ColumnKind.Double => (double)value,
        ColumnKind.Long => (long)value,
        ColumnKind.Timestamp => DateTimeOffset.UnixEpoch.AddSeconds(value),
        ColumnKind.Binary => new[] { (byte)value },
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no parquet type for this column kind"),
    };

    public void AddBatch(SinkBatch batch, CancellationToken cancel)
    {
        var rows = batch.IsReplay ? NotWrittenYet(batch) : batch.Rows;
        if (rows.All(t => t.Rows.Count == 0)) return;
        var all = rows.Count == 1 ? rows[0].Rows : rows.SelectMany(t => t.Rows).ToList();
        Write(FileName(batch.Part.BatchId, rows.Select(t => t.Task).ToList()), batch.Schema, all, cancel);
    }

    /// <summary>The tasks of a replayed batch whose rows no file of that batch holds.</summary>
    private IReadOnlyList<TaskRows> NotWrittenYet(SinkBatch batch)
    {
        if (!System.IO.Directory.Exists(Directory)) return batch.Rows;
        var written = System.IO.Directory.EnumerateFiles(Directory, $"part-{batch.Part.BatchId:D8}-*{Suffix}")
            .SelectMany(file => TasksOf(Path.GetFileName(file)) ?? []).ToHashSet();
        return batch.Rows.Where(t => !written.Contains(t.Task)).ToList();
    }

    private void Write(string fileName, RowSchema schema, IReadOnlyList<object?[]> rows, CancellationToken cancel)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var target = Path.Combine(Directory, fileName);
        var temp = Path.Combine(Directory, $".{fileName}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            // Encoded in memory, then written at once: Parquet.Net writes asynchronously, and on Unix an
            // asynchronous file write waits for a free thread-pool thread, which the sinks' own threads may all be.
            using var encoded = new MemoryStream();
            WriteAsync(encoded, schema, rows, cancel).GetAwaiter().GetResult();
            using (var file = File.Create(temp))
                encoded.WriteTo(file);
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static async Task WriteAsync(Stream stream, RowSchema schema, IReadOnlyList<object?[]> rows, CancellationToken cancel)
    {
        var fields = schema.Names.Select((name, i) => FieldFor(name, schema.Kinds[i])).ToArray();
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy };
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, options, cancellationToken: cancel);
        using var group = writer.CreateRowGroup();
        for (var c = 0; c < fields.Length; c++)
        {
            var column = c;
            switch (schema.Kinds[c])
            {
                case ColumnKind.String:
                    await group.WriteAsync(fields[c], rows.Select(r => (string)r[column]!).ToArray());
                    break;
                case ColumnKind.Double:
                    await group.WriteAsync<double>(fields[c], rows.Select(r => (double?)r[column]).ToArray().AsMemory(), cancellationToken: cancel);
                    break;
                case ColumnKind.Long:
                    await group.WriteAsync<long>(fields[c], rows.Select(r => (long?)r[column]).ToArray().AsMemory(), cancellationToken: cancel);
                    break;
                case ColumnKind.Timestamp:
                    await group.WriteAsync<DateTime>(fields[c],
                        rows.Select(r => ((DateTimeOffset?)r[column])?.UtcDateTime).ToArray().AsMemory(), cancellationToken: cancel);
                    break;
                case ColumnKind.Binary:
                    await group.WriteAsync(fields[c], rows.Select(r => (byte[])r[column]!).ToArray());
                    break;
            }
        }
    }

    private static DataField FieldFor(string name, ColumnKind kind) => kind switch
    {
        ColumnKind.String => new DataField(name, typeof(string), true),
        ColumnKind.Double => new DataField<double?>(name),
        ColumnKind.Long => new DataField<long?>(name),
        ColumnKind.Timestamp => new DateTimeDataField(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: true),
        ColumnKind.Binary => new DataField(name, typeof(byte[]), true),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
