using System.CommandLine;
using System.CommandLine.Parsing;

namespace TopUpSpark.Core.Cli;

/// <summary>
/// A command-line flag whose value may also come from an environment variable (flag, then variable, then
/// default). Text from either source is converted and checked the same way while the command line is
/// parsed, so a value that would make the program do nothing, or fail once it has started, is refused at
/// once with one line naming the flag, the variable when the value came from it, and what is accepted.
/// </summary>
public sealed class Flag<T> : Option<T>
{
    private readonly Func<IReadOnlyList<string>, T> _convert;
    private readonly Func<string, IReadOnlyList<string>> _splitVariable;
    private readonly T _defaultValue;
    private readonly List<Func<T, string?>> _checks = [];

    /// <param name="convert">Turns the flag's texts (one per occurrence) into its value; throws <see cref="FormatException"/>
    /// whose message says what is accepted ("must be a whole number").</param>
    /// <param name="splitVariable">The variable's text as the texts the flag would have had.</param>
    internal Flag(string name, string environmentVariable, T defaultValue, string description,
        Func<IReadOnlyList<string>, T> convert, Func<string, IReadOnlyList<string>> splitVariable) : base(name)
    {
        EnvironmentVariable = environmentVariable;
        _defaultValue = defaultValue;
        _convert = convert;
        _splitVariable = splitVariable;
        Description = description;
        CustomParser = result =>
        {
            if (Problem(Texts(result.Tokens), out var value) is { } problem) result.AddError($"{Name} {problem}");
            return value;
        };
        // System.CommandLine asks for a default only when a value is read, after parsing; the validator, which runs
        // for every flag, is what refuses a bad variable at parse time.
        DefaultValueFactory = _ => VariableTexts() is { } texts && Problem(texts, out var value) is null ? value : defaultValue;
        Validators.Add(result =>
        {
            if (result.Implicit && VariableTexts() is { } texts && Problem(texts, out _) is { } problem) result.AddError($"{NameWithVariable} {problem}");
        });
    }

    public string EnvironmentVariable { get; }

    /// <summary>Adds a check of the converted value: null accepts it, otherwise the reason, e.g. "must be at least 1, got 0".</summary>
    public Flag<T> Accepting(Func<T, string?> check)
    {
        _checks.Add(check);
        return this;
    }

    /// <summary>
    /// This flag's value in a command being parsed, for checks across flags; false when the value is not
    /// valid (the flag reports that itself).
    /// </summary>
    public bool TryGetValue(SymbolResult command, out T value)
    {
        value = _defaultValue;
        var texts = IsFromCommandLine(command, out var result) ? Texts(result!.Tokens) : VariableTexts();
        return texts is null || Problem(texts, out value) is null;
    }

    /// <summary>How messages name this flag: "--cores", or "--cores (from environment variable TOPUP_CORES)" when the variable set it.</summary>
    public string Origin(SymbolResult command) =>
        IsFromCommandLine(command, out _) || VariableTexts() is null ? Name : NameWithVariable;

    /// <summary>
    /// Adds a check against the other flags of the command (<see cref="TryGetValue"/>, <see cref="Origin"/>): null
    /// accepts, otherwise the whole message. It runs whether this flag was given or not.
    /// </summary>
    public Flag<T> AcceptingWith(Func<T, SymbolResult, string?> check)
    {
        // A command's own validators would do too, but an error there stops System.CommandLine from checking its flags.
        Validators.Add(result =>
        {
            var command = result.Parent!;
            if (TryGetValue(command, out var value) && check(value, command) is { } problem) result.AddError(problem);
        });
        return this;
    }

    /// <summary>Refuses a command line that sets this flag neither itself nor through its variable.</summary>
    public Flag<T> MustBeSet() =>
        AcceptingWith((value, _) => value is null ? $"{Name} is required (or its environment variable {EnvironmentVariable})" : null);

    /// <summary>
    /// Refuses this flag where it would change nothing: when <paramref name="inEffect"/> holds for its value
    /// but <paramref name="requirementMet"/> does not hold for the command (e.g. --flush-at-end without an
    /// available-now trigger).
    /// </summary>
    public Flag<T> Requires(Func<T, bool> inEffect, Func<SymbolResult, bool> requirementMet, string requirement) =>
        AcceptingWith((value, command) => inEffect(value) && !requirementMet(command) ? $"{Origin(command)} needs {requirement}" : null);

    private string NameWithVariable => $"{Name} (from environment variable {EnvironmentVariable})";

    private bool IsFromCommandLine(SymbolResult command, out OptionResult? result)
    {
        result = command.GetResult(this);
        return result is { Implicit: false };
    }

    private static string[] Texts(IReadOnlyList<Token> tokens) => tokens.Select(token => token.Value).ToArray();

    private IReadOnlyList<string>? VariableTexts() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } raw ? _splitVariable(raw) : null;

    private string? Problem(IReadOnlyList<string> texts, out T value)
    {
        value = _defaultValue;
        try
        {
            value = _convert(texts);
        }
        catch (FormatException e)
        {
            return $"{e.Message}, got '{string.Join(' ', texts)}'";
        }
        foreach (var check in _checks)
        {
            if (check(value) is { } problem) return problem;
        }
        return null;
    }
}

/// <summary>Checks a nullable flag's value when it has one: an absent value means "not set" and is always accepted.</summary>
public static class NullableFlagExtensions
{
    public static Flag<T?> Accepting<T>(this Flag<T?> flag, Func<T, string?> check) where T : struct =>
        flag.Accepting(value => value is { } present ? check(present) : null);
}
