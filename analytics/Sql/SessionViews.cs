namespace TopUpSpark.Analytics.Sql;

/// <summary>Which of the session's views are defined, and why the others are not, to explain a query that names one.</summary>
public sealed class SessionViews
{
    private readonly List<string> _defined = [];
    private readonly Dictionary<string, string> _undefined = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<string> Names => _defined;

    public void Defined(string view) => _defined.Add(view);

    public void Undefined(string view, string reason) => _undefined[view] = reason;

    /// <summary>Why the views DuckDB's message says do not exist are not defined, one line each; empty for other errors.</summary>
    public IEnumerable<string> Explain(string duckDbMessage) =>
        _undefined.Where(view => duckDbMessage.Contains($"Table with name {view.Key} does not exist", StringComparison.OrdinalIgnoreCase))
            .Select(view => $"view {view.Key} is not defined: {view.Value}");
}
