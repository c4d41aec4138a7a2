using System.Globalization;
using System.Text.RegularExpressions;

namespace TopUpSpark.Core.Cli;

/// <summary>
/// System.CommandLine's help, as people read it: it prints a duration flag's default with
/// <see cref="TimeSpan"/>'s own format (<c>[default: 00:00:05]</c>, <c>[default: 1.00:00:00]</c>); these
/// are rewritten as the flags are written (<c>5s</c>, <c>1d</c>). Its help builder cannot be customised
/// from outside the library in 2.0, so the text is rewritten after it is written.
/// </summary>
public static partial class HelpText
{
    [GeneratedRegex(@"\[default: (-?(?:\d+\.)?\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?)\]")]
    private static partial Regex TimeSpanDefault();

    public static string WithReadableDefaults(string help) =>
        TimeSpanDefault().Replace(help, match => $"[default: {Duration.Format(TimeSpan.ParseExact(match.Groups[1].Value, "c", CultureInfo.InvariantCulture))}]");
}
