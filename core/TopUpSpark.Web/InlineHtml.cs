namespace TopUpSpark.Web;

/// <summary>Data and code inlined into a page's HTML (the dashboard's --html snapshot, a figure's fragment), safely.</summary>
public static class InlineHtml
{
    /// <summary>
    /// JSON inside a non-executed script element. '&lt;' only occurs inside JSON strings, where \u003c
    /// means the same, so no "&lt;/script&gt;" in the data can end the element early.
    /// </summary>
    public static string JsonBlock(string id, string json) =>
        $"""<script type="application/json" id="{id}">{json.Replace("<", "\\u003c", StringComparison.Ordinal)}</script>""";

    /// <summary>The code, checked to be safe between <c>&lt;script&gt;</c> and <c>&lt;/script&gt;</c>.</summary>
    public static string Script(string code)
    {
        if (code.Contains("</script", StringComparison.OrdinalIgnoreCase) || code.Contains("<!--", StringComparison.Ordinal))
            throw new InvalidOperationException("a script to inline contains '</script' or '<!--', which would end or confuse its element");
        return code;
    }
}
