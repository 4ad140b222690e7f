using System.Globalization;
using MnistLab.Common;

namespace MnistLab.Sweeps;

/// <summary>The seeds of a sweep as the command line writes them: <c>0-19</c>, <c>0,3,7</c>, <c>0-4,10-14</c>.</summary>
public static class SeedList
{
    /// <summary>The seeds of <paramref name="text"/> in the order given; ranges are inclusive; no seed twice.</summary>
    public static IReadOnlyList<long> Parse(string text)
    {
        InvalidOptionException Bad(string why) =>
            new($"{nameof(SweepSpec)}.{nameof(SweepSpec.Seeds)}", $"'{text}': {why}; expected non-negative integers and ranges, e.g. 0-19 or 0,3,7 or 0-4,10-14.");
        var seeds = new List<long>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.Length == 0) throw Bad("an empty item");
            int dash = part.IndexOf('-');
            string first = dash < 0 ? part : part[..dash], last = dash < 0 ? part : part[(dash + 1)..];
            if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out long a) ||
                !long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out long b))
                throw Bad($"'{part}' is not a seed or a range");
            if (b < a) throw Bad($"the range '{part}' runs backwards");
            if (b - a >= 100_000) throw Bad($"the range '{part}' has more than 100,000 seeds");
            for (long s = a; s <= b; s++) seeds.Add(s);
        }
        var twice = seeds.GroupBy(s => s).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw Bad($"seed {twice.Key} is given twice");
        return seeds;
    }

    /// <summary>Indices written compactly, as Slurm's <c>--array</c> takes them: <c>0-4,7,9-10</c>.</summary>
    public static string Compact(IEnumerable<long> values)
    {
        var sorted = values.Distinct().Order().ToList();
        var parts = new List<string>();
        for (int i = 0; i < sorted.Count;)
        {
            int j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1) j++;
            parts.Add(j == i ? $"{sorted[i]}" : $"{sorted[i]}-{sorted[j]}");
            i = j + 1;
        }
        return string.Join(",", parts);
    }
}
