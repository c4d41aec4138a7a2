using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace TopUpSpark.Core.Messages;

internal static class JsonText
{
    /// <summary>
    /// Keeps non-ASCII letters readable in messages (state and city names) while still escaping
    /// HTML-sensitive characters; consumers that render HTML escape again on their side.
    /// </summary>
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.Create(UnicodeRanges.All);
}
