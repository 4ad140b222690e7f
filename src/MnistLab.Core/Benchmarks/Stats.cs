namespace MnistLab.Benchmarks;

/// <summary>Summaries of repeated timings: this machine drifts, so the bench reports medians.</summary>
static class Stats
{
    public static double Median(IReadOnlyList<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
