using MnistLab.Common;

namespace MnistLab.Analysis.Information;

/// <summary>
/// Ross's (2014) nearest-neighbour estimate of I between a continuous variable and a discrete one (scikit-learn's
/// mutual_info_classif): for each sample, d = the distance to its k-th nearest neighbour of the same class and m = the
/// samples of any class closer than d (itself included); I = psi(N) + &lt;psi(k)&gt; - &lt;psi(N_class)&gt; - &lt;psi(m)&gt;.
/// Samples alone in their class are left out, as scikit-learn does. The estimate is a mean of per-sample terms, so its
/// bootstrap resamples the terms (resampled duplicates would sit at distance 0 and break the neighbour counts).
/// </summary>
public sealed class RossEstimator : IMiEstimator
{
    public string Name => Estimators.Ross;
    public string Description => "nearest-neighbour estimate for a continuous X and a discrete Y (Ross 2014; scikit-learn's mutual_info_classif)";

    public MiFit Fit(Variable x, Variable y, MiOptions options)
    {
        var (c, d) = (x.IsDiscrete, y.IsDiscrete) switch
        {
            (false, true) => (x, y),
            (true, false) => (y, x),
            _ => throw new InvalidOptionException($"{nameof(MiOptions)}.{nameof(MiOptions.Estimator)}", $"ross needs one continuous and one discrete variable, got X {x} and Y {y}; use plugin for two discrete ones, ksg for two continuous ones."),
        };
        var points = NearestNeighbours.Prepare(c, options.Seed, "mi/jitter/ross");
        int k = options.Neighbours;
        var codes = d.Codes.ToArray();
        var terms = Terms(points, c.Dims, codes, d.Classes, k);
        double estimate = Mean(terms, null);
        return new MiFit(estimate, estimate, rows => Mean(terms, rows),
            perm =>
            {
                // Reordering the classes against the points pairs them as reordering the points would: the same null.
                var shuffled = new int[codes.Length];
                for (int i = 0; i < codes.Length; i++) shuffled[i] = codes[perm[i]];
                return Mean(Terms(points, c.Dims, shuffled, d.Classes, k), null);
            },
            codes.Length);
    }

    /// <summary>Mean of the terms over <paramref name="rows"/> (all when null), skipping the samples left out (NaN).</summary>
    static double Mean(double[] terms, int[]? rows)
    {
        double sum = 0;
        int n = 0;
        foreach (int i in rows ?? Enumerable.Range(0, terms.Length))
            if (!double.IsNaN(terms[i])) { sum += terms[i]; n++; }
        return n == 0 ? 0 : sum / n;
    }

    /// <summary>
    /// psi(N) + psi(k_i) - psi(N_class) - psi(m_i) per sample (NaN for samples alone in their class); N counts the
    /// samples kept. Public so tests can check the terms against scikit-learn's formula.
    /// </summary>
    public static double[] Terms(double[] points, int dims, int[] codes, int classes, int k)
    {
        int n = codes.Length;
        var members = new List<int>[classes];
        for (int b = 0; b < classes; b++) members[b] = [];
        for (int i = 0; i < n; i++) members[codes[i]].Add(i);
        var kept = Enumerable.Range(0, n).Where(i => members[codes[i]].Count > 1).ToArray();
        var terms = Enumerable.Repeat(double.NaN, n).ToArray();
        if (kept.Length == 0) return terms;
        var radius = new double[n];
        var kAll = new int[n];
        if (dims == 1)
        {
            foreach (var group in members.Where(m => m.Count > 1))
            {
                var (sorted, index) = NearestNeighbours.Sort(points, group);
                int kk = Math.Min(k, group.Count - 1);
                for (int p = 0; p < sorted.Length; p++)
                {
                    radius[index[p]] = NearestNeighbours.Below(NearestNeighbours.KthDistance(sorted, p, kk));
                    kAll[index[p]] = kk;
                }
            }
            var (all, _) = NearestNeighbours.Sort(points, kept);
            double psiN = Digamma.Of(kept.Length);
            Parallel.ForEach(kept, TorchSetup.Parallel, i =>
                terms[i] = psiN + Digamma.Of(kAll[i]) - Digamma.Of(members[codes[i]].Count) - Digamma.Of(NearestNeighbours.CountWithin(all, points[i], radius[i])));
            return terms;
        }
        Parallel.ForEach(kept, TorchSetup.Parallel, i =>
        {
            var same = members[codes[i]];
            int kk = Math.Min(k, same.Count - 1);
            var distances = new List<double>(same.Count);
            foreach (int j in same)
                if (j != i) distances.Add(NearestNeighbours.Chebyshev(points, i, j, dims));
            double r = NearestNeighbours.Below(NearestNeighbours.KthSmallest(distances, kk));
            int m = 0;
            foreach (int j in kept)
                if (NearestNeighbours.Chebyshev(points, i, j, dims) <= r) m++;
            terms[i] = Digamma.Of(kept.Length) + Digamma.Of(kk) - Digamma.Of(same.Count) - Digamma.Of(m);
        });
        return terms;
    }
}
