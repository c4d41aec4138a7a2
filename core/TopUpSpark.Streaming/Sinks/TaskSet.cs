using System.Globalization;

namespace TopUpSpark.Streaming.Sinks;

/// <summary>A set of task numbers written as ranges for a file name: <c>0-63</c>, <c>0-2_5_7-9</c>.</summary>
public static class TaskSet
{
    public static string Format(IEnumerable<int> tasks)
    {
        var ranges = new List<string>();
        var sorted = tasks.Distinct().Order().ToList();
        for (var i = 0; i < sorted.Count;)
        {
            var first = sorted[i];
            var last = first;
            while (i + 1 < sorted.Count && sorted[i + 1] == last + 1) last = sorted[++i];
            ranges.Add(first == last ? Number(first) : $"{Number(first)}-{Number(last)}");
            i++;
        }
        return string.Join('_', ranges);
    }

    public static bool TryParse(string text, out HashSet<int> tasks)
    {
        tasks = [];
        foreach (var range in text.Split('_'))
        {
            var bounds = range.Split('-');
            if (bounds.Length is < 1 or > 2 || !TryNumber(bounds[0], out var first)) return false;
            var last = first;
            if (bounds.Length == 2 && (!TryNumber(bounds[1], out last) || last < first)) return false;
            for (var task = first; task <= last; task++) tasks.Add(task);
        }
        return tasks.Count > 0;
    }

    private static string Number(int task) => task.ToString(CultureInfo.InvariantCulture);

    private static bool TryNumber(string text, out int number) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out number);
}
