using System.Text.Json;
using System.Text.Json.Nodes;

namespace TopUpSpark.Core.Schema;

/// <summary>
/// The editable schema file (<c>schema/topup-schema.json</c>): column types and date formats of the
/// customer and bureau inputs and the event-time column every message carries.
/// </summary>
public sealed class TopUpSchema
{
    public const string DefaultFileName = "schema/topup-schema.json";

    public TopUpSchema(DatasetSchema customer, DatasetSchema bureau, string eventTimeColumn)
    {
        Customer = customer;
        Bureau = bureau;
        EventTimeColumn = eventTimeColumn;
    }

    public DatasetSchema Customer { get; }
    public DatasetSchema Bureau { get; }

    /// <summary>The column holding the producer batch's Unix time in seconds (<c>ts</c>).</summary>
    public string EventTimeColumn { get; }

    /// <summary>The schema file shipped beside the running program.</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, DefaultFileName);

    private static TopUpSchema? _default;

    /// <summary>The schema shipped with the program, loaded once.</summary>
    public static TopUpSchema Default => _default ??= Load(DefaultPath);

    /// <summary>Loads <paramref name="path"/>, or the shipped schema when it is null or empty.</summary>
    public static TopUpSchema LoadOrDefault(string? path) =>
        string.IsNullOrEmpty(path) ? Default : Load(path);

    public static TopUpSchema Load(string path)
    {
        if (!File.Exists(path))
            throw new SchemaException($"schema file not found: {path}");
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new SchemaException($"schema file {path} is not valid: {e.Message}");
        }
    }

    public static TopUpSchema Parse(string json)
    {
        var root = JsonNode.Parse(json) as JsonObject ?? throw new SchemaException("schema must be a JSON object");
        var eventTime = root["eventTime"]?["column"]?.GetValue<string>()
            ?? throw new SchemaException("schema needs eventTime.column");
        var unit = root["eventTime"]?["unit"]?.GetValue<string>() ?? "unixSeconds";
        if (unit != "unixSeconds")
            throw new SchemaException($"eventTime.unit '{unit}' is not supported (only unixSeconds)");
        var datasets = root["datasets"] as JsonObject ?? throw new SchemaException("schema needs a 'datasets' object");
        return new TopUpSchema(ParseDataset(datasets, "customer"), ParseDataset(datasets, "bureau"), eventTime);
    }

    private static DatasetSchema ParseDataset(JsonObject datasets, string name)
    {
        var node = datasets[name] as JsonObject ?? throw new SchemaException($"schema has no dataset '{name}'");
        var key = node["key"]?.GetValue<string>() ?? throw new SchemaException($"dataset '{name}' needs a 'key'");
        var columns = node["columns"] as JsonArray ?? throw new SchemaException($"dataset '{name}' needs 'columns'");
        var specs = new List<ColumnSpec>(columns.Count);
        foreach (var column in columns)
        {
            var columnName = column?["name"]?.GetValue<string>()
                ?? throw new SchemaException($"dataset '{name}': a column has no name");
            var typeName = column["type"]?.GetValue<string>() ?? "string";
            var type = typeName switch
            {
                "string" => ColumnType.String,
                "number" => ColumnType.Number,
                "flag" => ColumnType.Flag,
                "date" => ColumnType.Date,
                "timestamp" => ColumnType.Timestamp,
                _ => throw new SchemaException(
                    $"dataset '{name}', column '{columnName}': unknown type '{typeName}' (string, number, flag, date, timestamp)"),
            };
            var formats = (column["formats"] as JsonArray)?.Select(f => f!.GetValue<string>()).ToArray() ?? [];
            if (type == ColumnType.Date && formats.Length == 0)
                throw new SchemaException($"dataset '{name}', column '{columnName}': a date column needs 'formats'");
            specs.Add(new ColumnSpec(columnName, type, formats));
        }
        return new DatasetSchema(name, key, specs);
    }
}
