using TopUpSpark.Core.Messages;
using Parquet;
using Parquet.Schema;
using TopUpSpark.Streaming.Rows;

namespace TopUpSpark.Streaming.Sinks;

/// <summary>
/// Appends each batch's rows to a folder, a file per task: <c>part-&lt;batch&gt;-&lt;task&gt;.snappy.parquet</c>,
/// so that instances of one query write into one folder side by side. The file is written under a
/// temporary name and renamed into place, so readers never see half a file, and a replayed batch
/// overwrites its own file instead of adding a second one. A task without rows writes no file.
/// Timestamps are stored as UTC-adjusted microsecond timestamps, as Spark reads them.
/// </summary>
public sealed class ParquetSink(string directory) : IBatchSink
{
    public string Directory { get; } = Path.GetFullPath(directory);
    public string Description => $"FileSink[{Directory}] (parquet)";

    public static string FileName(long batchId, int task) => $"part-{batchId:D8}-{task:D5}.snappy.parquet";

    private const string TemporarySuffix = ".tmp";

    /// <summary>
    /// Files a run killed in the middle of a write left behind: hidden, under a temporary name, never
    /// renamed into place. Readers skip them, but they would pile up; the batch itself is replayed.
    /// </summary>
    public IReadOnlyList<string> RemoveLeftovers(IReadOnlyCollection<int> tasks)
    {
        if (!System.IO.Directory.Exists(Directory)) return [];
        // Only the given tasks': other instances may be writing theirs right now.
        var leftovers = tasks.SelectMany(task => System.IO.Directory.EnumerateFiles(Directory, $".part-*-{task:D5}.snappy.parquet.*{TemporarySuffix}")).ToList();
        foreach (var file in leftovers) File.Delete(file);
        return leftovers;
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

    public void AddBatch(BatchPart batch, RowSchema schema, IReadOnlyList<TaskRows> rows, CancellationToken cancel)
    {
        foreach (var (task, taskRows) in rows)
            if (taskRows.Count > 0) Write(FileName(batch.BatchId, task), schema, taskRows, cancel);
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
