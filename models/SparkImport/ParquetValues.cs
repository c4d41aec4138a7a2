using System.Collections;
using System.Globalization;
using Parquet.Serialization;
using TopUpSpark.Scoring;

namespace TopUpSpark.Models.SparkImport;

/// <summary>
/// Reads Spark's parquet stage data with Parquet.Net's untyped reader and converts its loosely typed values
/// (boxed numbers, <c>ReadOnlyMemory&lt;char&gt;</c> strings, lists, nested structs) with clear errors.
/// </summary>
internal static class ParquetValues
{
    /// <summary>All rows of every <c>part-*.parquet</c> file in <paramref name="folder"/>, in file-name order.</summary>
    public static async Task<List<IDictionary<string, object?>>> ReadRowsAsync(string folder, CancellationToken cancel)
    {
        if (!Directory.Exists(folder)) throw new ModelFileException($"{folder}: folder missing (Spark writes stage data there)");
        var files = Directory.GetFiles(folder, "part-*.parquet").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new ModelFileException($"{folder}: no part-*.parquet files");
        var rows = new List<IDictionary<string, object?>>();
        foreach (var file in files)
        {
            try
            {
                await using var stream = File.OpenRead(file);
                var result = await ParquetSerializer.DeserializeUntypedAsync(stream, cancellationToken: cancel);
                foreach (var row in result.Data) rows.Add(row!);
            }
            catch (Exception e) when (e is not OperationCanceledException and not ModelFileException)
            {
                throw new ModelFileException($"{file}: cannot read parquet: {e.Message}", e);
            }
        }
        return rows;
    }

    /// <summary>The one row a single-row data folder (indexer labels, encoder sizes, scaler, LR) must hold.</summary>
    public static IDictionary<string, object?> SingleRow(List<IDictionary<string, object?>> rows, string where) =>
        rows.Count == 1 ? rows[0] : throw new ModelFileException($"{where}: expected 1 row, found {rows.Count}");

    public static object? Field(IDictionary<string, object?> row, string name, string where)
    {
        if (!row.TryGetValue(name, out var value))
            throw new ModelFileException($"{where}: column '{name}' missing (columns: {string.Join(", ", row.Keys)})");
        return value;
    }

    public static IDictionary<string, object?> Struct(object? value, string where) => value switch
    {
        IDictionary<string, object?> typed => typed,
        null => throw new ModelFileException($"{where}: null where a struct is expected"),
        _ => throw new ModelFileException($"{where}: expected a struct, found {value.GetType().Name}"),
    };

    public static List<object?> List(object? value, string where) => value switch
    {
        string or null => throw new ModelFileException($"{where}: expected a list, found {(value is null ? "null" : "a string")}"),
        IEnumerable items => items.Cast<object?>().ToList(),
        _ => throw new ModelFileException($"{where}: expected a list, found {value.GetType().Name}"),
    };

    public static string String(object? value, string where) => value switch
    {
        string s => s,
        ReadOnlyMemory<char> memory => memory.ToString(),
        null => throw new ModelFileException($"{where}: null where a string is expected"),
        _ => throw new ModelFileException($"{where}: expected a string, found {value.GetType().Name}"),
    };

    public static double Double(object? value, string where) => value is IConvertible number and not string
        ? number.ToDouble(CultureInfo.InvariantCulture)
        : throw new ModelFileException($"{where}: expected a number, found {value?.GetType().Name ?? "null"}");

    public static int Int(object? value, string where) => value is IConvertible number and not string and not double and not float
        ? number.ToInt32(CultureInfo.InvariantCulture)
        : throw new ModelFileException($"{where}: expected an integer, found {value?.GetType().Name ?? "null"}");

    public static bool Bool(object? value, string where) => value is bool b
        ? b
        : throw new ModelFileException($"{where}: expected a boolean, found {value?.GetType().Name ?? "null"}");

    public static double[] Doubles(object? value, string where) => List(value, where).Select((v, i) => Double(v, $"{where}[{i}]")).ToArray();

    public static int[] Ints(object? value, string where) => List(value, where).Select((v, i) => Int(v, $"{where}[{i}]")).ToArray();

    /// <summary>Spark's VectorUDT struct {type: 0 sparse / 1 dense, size, indices, values} as a dense array.</summary>
    public static double[] Vector(object? value, string where)
    {
        var vector = Struct(value, where);
        var type = Int(Field(vector, "type", where), where + ".type");
        var values = Doubles(Field(vector, "values", where), where + ".values");
        if (type == 1) return values;
        if (type != 0) throw new ModelFileException($"{where}: unknown vector type {type}");
        var size = Int(Field(vector, "size", where), where + ".size");
        var indices = Ints(Field(vector, "indices", where), where + ".indices");
        return Densify(size, indices, values, where);
    }

    /// <summary>Spark's MatrixUDT struct as a dense row-major array [numRows][numCols].</summary>
    public static double[][] Matrix(object? value, string where)
    {
        var matrix = Struct(value, where);
        var type = Int(Field(matrix, "type", where), where + ".type");
        var rows = Int(Field(matrix, "numRows", where), where + ".numRows");
        var columns = Int(Field(matrix, "numCols", where), where + ".numCols");
        var values = Doubles(Field(matrix, "values", where), where + ".values");
        var transposed = Bool(Field(matrix, "isTransposed", where), where + ".isTransposed");
        var result = Enumerable.Range(0, rows).Select(_ => new double[columns]).ToArray();
        if (type == 1)
        {
            if (values.Length != rows * columns) throw new ModelFileException($"{where}: {values.Length} values for a {rows}x{columns} matrix");
            // Dense: column-major, or row-major when transposed.
            for (var i = 0; i < rows; i++)
                for (var j = 0; j < columns; j++)
                    result[i][j] = transposed ? values[j + i * columns] : values[i + j * rows];
            return result;
        }
        if (type != 0) throw new ModelFileException($"{where}: unknown matrix type {type}");
        // Sparse: CSC, or CSR when transposed (colPtrs then point into rows, rowIndices hold columns).
        var pointers = Ints(Field(matrix, "colPtrs", where), where + ".colPtrs");
        var indices = Ints(Field(matrix, "rowIndices", where), where + ".rowIndices");
        var outer = transposed ? rows : columns;
        if (pointers.Length != outer + 1 || indices.Length != values.Length)
            throw new ModelFileException($"{where}: inconsistent sparse matrix layout");
        for (var o = 0; o < outer; o++)
            for (var k = pointers[o]; k < pointers[o + 1]; k++)
            {
                var (i, j) = transposed ? (o, indices[k]) : (indices[k], o);
                if (i < 0 || i >= rows || j < 0 || j >= columns) throw new ModelFileException($"{where}: sparse index out of range");
                result[i][j] = values[k];
            }
        return result;
    }

    private static double[] Densify(int size, int[] indices, double[] values, string where)
    {
        if (indices.Length != values.Length) throw new ModelFileException($"{where}: {indices.Length} indices for {values.Length} values");
        var dense = new double[size];
        for (var k = 0; k < indices.Length; k++)
        {
            if (indices[k] < 0 || indices[k] >= size) throw new ModelFileException($"{where}: index {indices[k]} outside size {size}");
            dense[indices[k]] = values[k];
        }
        return dense;
    }
}
