using System.Text;
using System.Text.Json;

namespace TopUpSpark.Web.Map;

/// <summary>
/// Maps the data's state names (upper case, old spellings: ORISSA, CHATTISGARH, …) to the map's region
/// names. A data name matches a region when both normalise to the same key (case, punctuation and
/// '&amp;' vs 'AND' ignored), or through the user-editable alias file <c>state-aliases.json</c>.
/// </summary>
public sealed class StateAliasTable
{
    public const string DefaultFileName = "state-aliases.json";

    private readonly Dictionary<string, string> _regionByKey;

    private StateAliasTable(Dictionary<string, string> regionByKey, int aliasCount)
    {
        _regionByKey = regionByKey;
        AliasCount = aliasCount;
    }

    public int AliasCount { get; }

    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, DefaultFileName);

    public static StateAliasTable Load(string path, IEnumerable<string> regionNames)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StateAliasException($"cannot read the state alias file {path}: {e.Message}");
        }
        return Parse(json, regionNames, path);
    }

    /// <summary>Reads <c>{"aliases": {"DATA NAME": "Map name", …}}</c>; every target must be a region of the map.</summary>
    public static StateAliasTable Parse(string json, IEnumerable<string> regionNames, string source)
    {
        var regions = regionNames.ToList();
        var regionByOwnName = regions.ToDictionary(Normalize, r => r, StringComparer.Ordinal);
        var regionByKey = new Dictionary<string, string>(regionByOwnName, StringComparer.Ordinal);

        JsonElement aliases;
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("aliases", out var found) || found.ValueKind != JsonValueKind.Object)
                throw new StateAliasException($"{source}: expected an object with an \"aliases\" object of \"DATA NAME\": \"Map region\" pairs");
            aliases = found.Clone();
        }
        catch (JsonException e)
        {
            throw new StateAliasException($"{source} is not valid JSON: {e.Message}");
        }

        var count = 0;
        foreach (var alias in aliases.EnumerateObject())
        {
            if (alias.Value.ValueKind != JsonValueKind.String)
                throw new StateAliasException($"{source}: the alias \"{alias.Name}\" must map to a region name (a string)");
            var key = Normalize(alias.Name);
            if (key.Length == 0)
                throw new StateAliasException($"{source}: an alias has an empty name");
            if (!regionByOwnName.TryGetValue(Normalize(alias.Value.GetString()!), out var region))
                throw new StateAliasException(
                    $"{source}: \"{alias.Name}\" maps to \"{alias.Value.GetString()}\", which is not a region of the map; the regions are: {string.Join(", ", regions)}");
            if (regionByKey.TryGetValue(key, out var existing) && existing != region)
                throw new StateAliasException($"{source}: \"{alias.Name}\" maps to \"{region}\" but the same name already means \"{existing}\"");
            regionByKey[key] = region;
            count++;
        }
        return new StateAliasTable(regionByKey, count);
    }

    /// <summary>The map region a data state name stands for, or null when it matches none.</summary>
    public string? Resolve(string dataName) => _regionByKey.GetValueOrDefault(Normalize(dataName));

    /// <summary>Upper case; '&amp;' reads as AND; any run of other non-alphanumerics is one space.</summary>
    public static string Normalize(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        var pendingSpace = false;
        foreach (var c in name.Trim())
        {
            if (char.IsLetterOrDigit(c))
            {
                if (pendingSpace && builder.Length > 0) builder.Append(' ');
                pendingSpace = false;
                builder.Append(char.ToUpperInvariant(c));
            }
            else if (c == '&')
            {
                if (builder.Length > 0) builder.Append(' ');
                builder.Append("AND");
                pendingSpace = true;
            }
            else
            {
                pendingSpace = true;
            }
        }
        return builder.ToString();
    }
}

public sealed class StateAliasException(string message) : Exception(message);
