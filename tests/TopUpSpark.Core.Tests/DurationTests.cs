using NUnit.Framework;
using TopUpSpark.Core.Cli;

namespace TopUpSpark.Core.Tests;

public class DurationTests
{
    [TestCase("500ms", 500)]
    [TestCase("5s", 5_000)]
    [TestCase("5 seconds", 5_000)]
    [TestCase("1.5m", 90_000)]
    [TestCase("2h", 7_200_000)]
    [TestCase("1d", 86_400_000)]
    [TestCase("00:00:30", 30_000)]
    public void Durations_read_as_people_write_them(string text, long millis) =>
        Assert.That(Duration.Parse(text), Is.EqualTo(TimeSpan.FromMilliseconds(millis)));

    [TestCase("soon")]
    [TestCase("5 parsecs")]
    public void Other_text_is_a_clear_error(string text) =>
        Assert.That(() => Duration.Parse(text), Throws.TypeOf<FormatException>().With.Message.Contains("duration"));

    [TestCase(5_000, "5s")]
    [TestCase(30_000, "30s")]
    [TestCase(86_400_000, "1d")]
    [TestCase(250, "250ms")]
    public void Durations_format_back_compactly(long millis, string text) =>
        Assert.That(Duration.Format(TimeSpan.FromMilliseconds(millis)), Is.EqualTo(text));
}
