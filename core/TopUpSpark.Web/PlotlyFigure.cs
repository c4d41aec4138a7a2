using System.Text;
using System.Text.Json.Nodes;
using Plotly.NET;

namespace TopUpSpark.Web;

/// <summary>
/// What TopUpSpark's Plotly.NET figures share (the dashboard's, the job's streaming UI's): the look of a
/// layout, label escaping, and the plotly.js JSON (<c>{data, layout}</c>) a page renders.
/// </summary>
public static class PlotlyFigure
{
    public const string FontFamily = "Inter, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
    public const string InkColour = "#1f2937";
    public const string GridColour = "#e5e9f0";

    /// <summary>Escapes text for plotly.js labels, which interpret a few HTML tags and character references.</summary>
    public static string Html(string text)
    {
        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&#34;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        }
        return builder.ToString();
    }

    /// <summary>A layout in TopUpSpark's look: title at the top left, transparent background, the pages' font.</summary>
    public static Layout BaseLayout(string title)
    {
        var layout = new Layout();
        layout.SetProperty("title", new { text = title, x = 0.01, xanchor = "left", font = new { size = 16, color = InkColour } });
        layout.SetProperty("font", new { family = FontFamily, color = InkColour, size = 12 });
        layout.SetProperty("paper_bgcolor", "rgba(0,0,0,0)");
        layout.SetProperty("autosize", true);
        layout.SetProperty("hoverlabel", new { bgcolor = "#ffffff", bordercolor = "#9aa7b8", font = new { family = FontFamily, size = 13, color = InkColour } });
        return layout;
    }

    /// <summary>
    /// Axes without ticks or grid and a note in the middle, for a chart with nothing to show yet: plotly.js would
    /// otherwise draw a made-up range (a date axis of January to October 2000, a numeric one of −1 to 6).
    /// </summary>
    public static void ShowNothingYet(Layout layout, string note)
    {
        var bare = new { visible = false, showgrid = false, zeroline = false, showticklabels = false };
        layout.SetProperty("xaxis", bare);
        layout.SetProperty("yaxis", bare);
        layout.SetProperty("annotations", new[]
        {
            new { text = Html(note), showarrow = false, xref = "paper", yref = "paper", x = 0.5, y = 0.5, font = new { size = 13, color = "#6b7789" } },
        });
    }

    /// <summary>Plotly.NET's figure JSON, minus its empty frames.</summary>
    public static JsonNode ToJson(GenericChart chart)
    {
        var figure = JsonNode.Parse(GenericChart.toFigureJson(chart))!.AsObject();
        figure.Remove("frames");
        return figure;
    }
}
