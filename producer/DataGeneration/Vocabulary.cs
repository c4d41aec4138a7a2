using System.Text.Json;
using System.Text.Json.Serialization;

namespace TopUpSpark.Producer.DataGeneration;

/// <summary>
/// The category values the generator draws from (<c>vocabulary.json</c>, embedded): the 21 states, their
/// cities, the branches' areas, tenures and manufacturers. The values and their frequency order are the
/// original data's (as recorded by the course model's StringIndexer); weights and geography are ours.
/// </summary>
internal sealed class Vocabulary
{
    private const string ResourceName = "TopUpSpark.Producer.DataGeneration.vocabulary.json";

    public required IReadOnlyList<StateEntry> States { get; init; }
    public required IReadOnlyList<AreaEntry> Areas { get; init; }
    public required IReadOnlyList<WeightedValue> Tenures { get; init; }
    public required IReadOnlyList<WeightedValue> Manufacturers { get; init; }

    public sealed record WeightedName(string Name, double Weight);

    public sealed record WeightedValue(string Value, double Weight);

    public sealed record Branch(string Id, double Weight);

    public sealed record StateEntry(
        string Name,
        double Weight,
        IReadOnlyList<string> PinPrefixes,
        IReadOnlyList<WeightedName> Cities,
        IReadOnlyList<string>? ServedByBranchesOf);

    public sealed record AreaEntry(string Name, string State, IReadOnlyList<Branch> Branches);

    private static readonly Lazy<Vocabulary> Embedded = new(LoadEmbedded);

    public static Vocabulary Default => Embedded.Value;

    private static Vocabulary LoadEmbedded()
    {
        using var stream = typeof(Vocabulary).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing from the build");
        var vocabulary = JsonSerializer.Deserialize<Vocabulary>(stream, new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        }) ?? throw new InvalidOperationException($"{ResourceName} is empty");
        vocabulary.Validate();
        return vocabulary;
    }

    private void Validate()
    {
        var states = States.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var area in Areas.Where(a => !states.Contains(a.State)))
            throw new InvalidOperationException($"vocabulary: area '{area.Name}' is in unknown state '{area.State}'");
        foreach (var state in States)
        {
            var hasBranches = Areas.Any(a => a.State == state.Name) || (state.ServedByBranchesOf?.Count ?? 0) > 0;
            if (!hasBranches || state.Cities.Count == 0 || state.PinPrefixes.Count == 0)
                throw new InvalidOperationException($"vocabulary: state '{state.Name}' needs cities, PIN prefixes and branches");
        }
    }
}
