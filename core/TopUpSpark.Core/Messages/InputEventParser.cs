using System.Globalization;
using System.Text.Json;
using TopUpSpark.Core.Schema;

namespace TopUpSpark.Core.Messages;

/// <summary>One input row ready for Kafka: its key (the customer ID) and its message in the producer's exact form.</summary>
public readonly record struct InputEvent(string Key, byte[] Value);

/// <summary>
/// Reads events posted as JSON — one object or an array of them — for one input (customer or bureau) and
/// checks each against the schema file: every column present under its exact name, no other field, each
/// value of the column's type (a string as in the CSV, which must cast by the schema's rules; a JSON number
/// for a number column, true/false for a flag; null for an empty cell), a non-empty key, and an optional
/// event time in Unix seconds that is set to the arrival time when absent. Good events become
/// <see cref="InputMessageCodec"/> messages, byte for byte what the producer sends for the same row.
/// A value the job would cast to null and count (e.g. <c>Unknown</c> in an amount) is refused here: the
/// client learns at once, and sends an empty cell if that is what it means.
/// </summary>
public sealed class InputEventParser
{
    private readonly DatasetSchema _schema;
    private readonly string _eventTimeColumn;
    private readonly string[] _headers;

    public InputEventParser(DatasetSchema schema, string eventTimeColumn, int maxEvents)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEvents, 1);
        _schema = schema;
        _eventTimeColumn = eventTimeColumn;
        _headers = schema.Columns.Select(c => c.Name).ToArray();
        MaxEvents = maxEvents;
    }

    public int MaxEvents { get; }

    public string DatasetName => _schema.Name;

    /// <summary>
    /// Parses <paramref name="body"/>. Either every event is good and <paramref name="events"/> holds them in body
    /// order, or <paramref name="errors"/> names each bad field (<c>AssetCost</c>, or <c>[3].AssetCost</c> in an
    /// array; <c>body</c> for the body as a whole) with what is wrong, and no event is returned.
    /// </summary>
    public bool TryParse(ReadOnlyMemory<byte> body, DateTimeOffset arrival, out List<InputEvent> events, out Dictionary<string, string[]> errors)
    {
        events = [];
        var found = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string error)
        {
            if (!found.TryGetValue(field, out var list)) found[field] = list = [];
            list.Add(error);
        }
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
            var root = document.RootElement;
            var arrivalSeconds = arrival.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            switch (root.ValueKind)
            {
                case JsonValueKind.Object:
                    if (ReadEvent(root, "", arrivalSeconds, Add) is { } single) events.Add(single);
                    break;
                case JsonValueKind.Array:
                    var count = root.GetArrayLength();
                    if (count == 0) Add("body", "an empty array: send at least one event");
                    else if (count > MaxEvents) Add("body", $"{count} events: at most {MaxEvents} per request");
                    else
                    {
                        var index = 0;
                        foreach (var element in root.EnumerateArray())
                        {
                            var prefix = $"[{index++}].";
                            if (element.ValueKind != JsonValueKind.Object) Add(prefix.TrimEnd('.'), $"must be a JSON object of {_schema.Name} columns, got {Kind(element)}");
                            else if (ReadEvent(element, prefix, arrivalSeconds, Add) is { } one) events.Add(one);
                        }
                    }
                    break;
                default:
                    Add("body", $"must be a JSON object or an array of objects, got {Kind(root)}");
                    break;
            }
        }
        catch (JsonException e)
        {
            Add("body", $"not valid JSON: {e.Message}");
        }
        errors = found.ToDictionary(f => f.Key, f => f.Value.ToArray(), StringComparer.Ordinal);
        if (errors.Count > 0) events = [];
        return errors.Count == 0;
    }

    private InputEvent? ReadEvent(JsonElement item, string prefix, string arrivalSeconds, Action<string, string> error)
    {
        var values = new string?[_headers.Length];
        string? eventTime = null;
        var ok = true;
        foreach (var property in item.EnumerateObject())
        {
            var field = prefix + property.Name;
            if (property.Name == _eventTimeColumn)
            {
                if (eventTime is not null) { error(field, "given twice"); ok = false; continue; }
                eventTime = EventTime(property.Value);
                if (eventTime is null) { error(field, $"must be the event time in whole Unix seconds (a non-negative integer or its digits as a string), got {Shown(property.Value)}"); ok = false; eventTime = ""; }
                continue;
            }
            if (!_schema.TryGetOrdinal(property.Name, out var ordinal))
            {
                error(field, $"unknown field: not a column of {_schema.Name} (columns are case-sensitive, e.g. 'MaturityDAte', 'Top-up Month')");
                ok = false;
                continue;
            }
            if (values[ordinal] is not null) { error(field, "given twice"); ok = false; continue; }
            var column = _schema.Columns[ordinal];
            if (CellText(column, property.Value, out var problem) is { } text) values[ordinal] = text;
            else { error(field, problem!); ok = false; values[ordinal] = ""; }
        }
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is null)
            {
                error(prefix + _headers[i], "missing: every column of the schema is required (null or \"\" for an empty cell)");
                ok = false;
            }
        }
        var key = values[_schema.KeyOrdinal];
        if (ok && string.IsNullOrWhiteSpace(key))
        {
            error(prefix + _schema.KeyColumn, "must not be empty: it is the message key");
            ok = false;
        }
        if (!ok) return null;
        return new InputEvent(key!, InputMessageCodec.Encode(_headers, values!, _eventTimeColumn, eventTime ?? arrivalSeconds));
    }

    /// <summary>The cell as the CSV would hold it, or null with <paramref name="problem"/> saying why it cannot be the column's.</summary>
    private static string? CellText(ColumnSpec column, JsonElement value, out string? problem)
    {
        problem = null;
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return "";
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (ValueCaster.Cast(column, text, out _) != CastStatus.Invalid) return text;
                problem = $"'{Printable.Text(text, 40)}' is not {Expected(column)}";
                return null;
            case JsonValueKind.Number when column.Type is ColumnType.Number or ColumnType.Flag or ColumnType.Timestamp:
                var raw = value.GetRawText();
                if (ValueCaster.Cast(column, raw, out _) == CastStatus.Ok) return raw;
                problem = $"{raw} is not {Expected(column)}";
                return null;
            case JsonValueKind.True or JsonValueKind.False when column.Type == ColumnType.Flag:
                return value.ValueKind == JsonValueKind.True ? "TRUE" : "FALSE";
            default:
                problem = $"must be {Expected(column)}, got {Kind(value)}";
                return null;
        }
    }

    private static string Expected(ColumnSpec column) => column.Type switch
    {
        ColumnType.String => "a string",
        ColumnType.Number => "a number (a JSON number, or a string such as \"1,20,000\" or \"5,000/Monthly\")",
        ColumnType.Flag => "a flag (true/false, or \"TRUE\"/\"FALSE\")",
        ColumnType.Date => $"a date as a string in one of the formats {string.Join(", ", column.DateFormats)}",
        ColumnType.Timestamp => "whole Unix seconds",
        _ => column.Type.ToString(),
    };

    private static string? EventTime(JsonElement value)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
        return text is not null && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? seconds.ToString(CultureInfo.InvariantCulture)
            : null;
    }

    private static string Shown(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? $"'{Printable.Text(value.GetString(), 40)}'" : Kind(value);

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"{value.GetRawText()}",
        JsonValueKind.Null => "null",
        _ => value.ValueKind.ToString(),
    };
}
