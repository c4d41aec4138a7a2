namespace TopUpSpark.Notebooks;

/// <summary>
/// HTML for a cell's output. The notebooks register it (and <see cref="Table"/>) with the kernel's formatter once
/// (<c>Formatter.Register&lt;HtmlFragment&gt;(…, "text/html")</c>) and then display it like any value; the
/// kernel's <c>HTML(…)</c> would do too, but makes every cell that calls it print compiler warnings about
/// the kernel's own ASP.NET Core HTML assembly.
/// </summary>
public sealed record HtmlFragment(string Html)
{
    public override string ToString() => Html;
}
