using MnistLab.Common;

namespace MnistLab.Analysis.Information;

/// <summary>
/// The one entry point of every mutual-information estimator: the estimate, a 95% basic bootstrap interval and a
/// shuffle-null p-value, all drawn from the options' seed. The interval is the basic (pivotal) bootstrap interval for the
/// true value: the estimate minus the replicates' deviations from what they estimate (<see cref="MiFit.Centre"/>), so the
/// bias that resampling adds to a binned estimate cancels and, for independent variables, the interval straddles 0. A
/// biased estimate (the plug-in) can therefore sit above its own interval, by about its bias.
/// </summary>
public static class MiEstimate
{
    public const double Confidence = 0.95;

    public static MiResult Compute(Variable x, Variable y, MiOptions options)
    {
        options = options.Validated();
        if (x.Count != y.Count) throw new ArgumentException($"{x.Count} samples of X but {y.Count} of Y.");
        if (x.Count < 2) throw new InvalidOptionException("samples", $"an estimate needs at least 2 samples, got {x.Count}.");
        var estimator = Estimators.Get(options.Estimator);
        var fit = estimator.Fit(x, y, options);
        return Summarise(estimator.Name, fit, fit.Samples, options);
    }

    /// <summary>The interval and null of a fit over <paramref name="n"/> samples (a probe's held-out predictions, say).</summary>
    public static MiResult Summarise(string estimator, MiFit fit, int n, MiOptions options)
    {
        var (low, high) = Interval(fit, n, options);
        return new MiResult(estimator, fit.Estimate, low, high, PNull(fit, n, options), fit.Samples, options.Bootstrap, options.Null);
    }

    /// <summary>The basic bootstrap interval of a fit: the estimate minus the replicates' 97.5% and 2.5% deviations from the centre.</summary>
    public static (double Low, double High) Interval(MiFit fit, int n, MiOptions options)
    {
        if (options.Bootstrap == 0) return (double.NaN, double.NaN);
        var replicates = new double[options.Bootstrap];
        Parallel.For(0, replicates.Length, TorchSetup.Parallel, b =>
        {
            // Each resample has its own stream, so the draws do not depend on which thread makes them.
            var rng = Seeds.Random(options.Seed, $"mi/bootstrap/{b}");
            var rows = new int[n];
            for (int i = 0; i < n; i++) rows[i] = rng.Next(n);
            replicates[b] = fit.Replicate(rows);
        });
        Array.Sort(replicates);
        double alpha = (1 - Confidence) / 2;
        return (fit.Estimate - (Quantile(replicates, 1 - alpha) - fit.Centre), fit.Estimate - (Quantile(replicates, alpha) - fit.Centre));
    }

    /// <summary>
    /// (1 + shuffles at least as large as the estimate) / (1 + shuffles): never 0, as a permutation test must be. "At least as
    /// large" allows float rounding (1e-12 of the estimate, at least 1e-12 nats): an estimate and its shuffles may be summed
    /// by different code, and a constant variable's estimate of 2e-16 must not beat shuffles of exactly 0.
    /// </summary>
    public static double PNull(MiFit fit, int n, MiOptions options)
    {
        if (options.Null == 0) return double.NaN;
        var nulls = new double[options.Null];
        var identity = Enumerable.Range(0, n).ToArray();
        Parallel.For(0, nulls.Length, TorchSetup.Parallel, s =>
        {
            var perm = (int[])identity.Clone();
            Seeds.Random(options.Seed, $"mi/null/{s}").Shuffle(perm);
            nulls[s] = fit.Null(perm);
        });
        double tolerance = 1e-12 * Math.Max(1, Math.Abs(fit.Estimate));
        return (1.0 + nulls.Count(v => v >= fit.Estimate - tolerance)) / (1.0 + nulls.Length);
    }

    /// <summary>Linear interpolation between order statistics (numpy's default), on sorted values.</summary>
    public static double Quantile(double[] sorted, double q)
    {
        double h = (sorted.Length - 1) * q;
        int lo = (int)Math.Floor(h), hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
