using MnistLab.Common;

namespace MnistLab.Sweeps;

/// <summary>How intervals are drawn: resamples, confidence, and the seed of the resampling (the same seed, the same interval).</summary>
public sealed record BootstrapOptions
{
    public int Resamples { get; init; } = 10_000;
    public double Confidence { get; init; } = 0.95;
    public long Seed { get; init; }

    public BootstrapOptions Validated()
    {
        Require.InRange(Resamples, 100, 10_000_000, $"{nameof(BootstrapOptions)}.{nameof(BootstrapOptions.Resamples)}");
        Require.Between(Confidence, 0, 1, $"{nameof(BootstrapOptions)}.{nameof(BootstrapOptions.Confidence)}");
        return this;
    }
}

/// <summary>
/// The mean of a sample with its standard deviation (n - 1) and a bootstrap interval for the mean; with a single value
/// the spread and the interval are NaN.
/// </summary>
public sealed record Estimate(int N, double Mean, double Sd, double Low, double High)
{
    public bool HasInterval => N >= 2;

    /// <summary>Whether the interval holds 0: -1 all below, +1 all above, 0 straddling (or no interval).</summary>
    public int SideOfZero => !HasInterval ? 0 : Low > 0 ? 1 : High < 0 ? -1 : 0;
}

/// <summary>
/// The percentile bootstrap of the mean (Efron and Tibshirani, An Introduction to the Bootstrap, 1993, ch. 13): resample
/// the values with replacement, take each resample's mean, and read the interval off the sorted means at ranks
/// ceil(B·α/2) and ceil(B·(1 - α/2)). Over seeds it asks how far the mean could move with other seeds of the same kind.
/// </summary>
public static class Bootstrap
{
    /// <summary>
    /// The estimate of the mean of <paramref name="values"/>. <paramref name="stream"/> names the resampling's own random
    /// stream (drawn from the options' seed), so each figure's interval stays the same when others are added.
    /// </summary>
    public static Estimate Mean(IReadOnlyList<double> values, BootstrapOptions options, string stream)
    {
        options = options.Validated();
        int n = values.Count;
        if (n == 0) return new Estimate(0, double.NaN, double.NaN, double.NaN, double.NaN);
        double mean = values.Average();
        if (n == 1) return new Estimate(1, mean, double.NaN, double.NaN, double.NaN);
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        if (values.All(v => v == values[0])) return new Estimate(n, values[0], 0, values[0], values[0]); // every resample is this value

        var random = Seeds.Random(options.Seed, $"bootstrap/{stream}");
        var means = new double[options.Resamples];
        for (int b = 0; b < means.Length; b++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += values[random.Next(n)];
            means[b] = sum / n;
        }
        Array.Sort(means);
        double alpha = 1 - options.Confidence;
        return new Estimate(n, mean, sd, means[Rank(alpha / 2, means.Length)], means[Rank(1 - alpha / 2, means.Length)]);
    }

    /// <summary>The 0-based index of the quantile <paramref name="q"/> among <paramref name="count"/> sorted values: rank ceil(q·count).</summary>
    static int Rank(double q, int count) => Math.Clamp((int)Math.Ceiling(q * count - 1e-9) - 1, 0, count - 1);
}
