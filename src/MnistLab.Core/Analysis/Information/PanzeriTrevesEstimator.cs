namespace MnistLab.Analysis.Information;

/// <summary>
/// The plug-in estimate with the Panzeri and Treves (1996) correction: I = I_plugin - [sum_y (R_y - 1) - (R - 1)] / (2N),
/// where R and R_y, the bins of X that are relevant overall and for each class, are not the occupied bins but their
/// Bayesian estimate (Panzeri and Treves's counting procedure), which also credits bins left empty by chance.
/// </summary>
public sealed class PanzeriTrevesEstimator : IMiEstimator
{
    public string Name => Estimators.PanzeriTreves;
    public string Description => "binned plug-in with the Panzeri-Treves (1996) correction, relevant bins counted the Bayesian way";

    public MiFit Fit(Variable x, Variable y, MiOptions options)
    {
        double space = Binned.Space(x, options.Binning);
        return Binned.Fit(x, y, options.Binning, t => Value(t, space));
    }

    public static double Value(Contingency t, double space)
    {
        double conditional = 0;
        for (int b = 0; b < t.YCount; b++)
            if (t.YTotal(b) > 0) conditional += RelevantBins(t.XGiven(b), t.YTotal(b), space) - 1;
        double overall = RelevantBins(t.XCounts, t.Total, space) - 1;
        return t.MutualInformation() - (conditional - overall) / (2.0 * t.Total);
    }

    /// <summary>
    /// Panzeri and Treves's Bayesian estimate of the relevant bins among <paramref name="space"/> possible ones, from the
    /// counts of <paramref name="trials"/> samples: add bins of equal small probability to the observed ones until the
    /// expected number of occupied bins stops getting closer to the number observed.
    /// </summary>
    public static double RelevantBins(IReadOnlyList<int> counts, int trials, double space)
    {
        var observed = counts.Where(c => c > 0).Select(c => (double)c / trials).ToArray();
        double naive = observed.Length;
        if (naive >= space || trials == 0) return naive;
        double n = trials;
        double expected = naive - observed.Sum(p => Math.Pow(1 - p, n));
        double previous = space, delta = Math.Abs(naive - expected);
        double extra = 0;
        while (delta < previous && naive + extra < space)
        {
            extra++;
            double gamma = extra * (1 - Math.Pow(n / (n + naive), 1 / n));
            expected = observed.Sum(p => 1 - Math.Pow(1 - (1 - gamma) / (n + naive) * (p * n + 1), n));
            expected += extra * (1 - Math.Pow(1 - gamma / extra, n));
            previous = delta;
            delta = Math.Abs(naive - expected);
        }
        double relevant = naive + extra - 1;
        return delta < previous ? relevant + 1 : relevant;
    }
}
