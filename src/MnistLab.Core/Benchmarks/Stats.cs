namespace MnistLab.Benchmarks;

/// <summary>Summaries of repeated measurements: this machine drifts, so the bench reports medians of timings.</summary>
static class Stats
{
    public static double Median(IReadOnlyList<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>The sample variance (n − 1 in the denominator).</summary>
    public static double Variance(IReadOnlyList<double> xs)
    {
        double m = xs.Average();
        return xs.Sum(x => (x - m) * (x - m)) / (xs.Count - 1);
    }
}
