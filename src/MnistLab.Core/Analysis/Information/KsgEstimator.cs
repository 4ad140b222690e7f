using MnistLab.Common;

namespace MnistLab.Analysis.Information;

/// <summary>
/// Kraskov, Stögbauer and Grassberger's (2004) estimator (their algorithm 1; scikit-learn's mutual_info_regression) for
/// two continuous variables: for each sample, e = the maximum-norm distance to its k-th neighbour in the joint space,
/// n_x and n_y = the other samples closer than e in each marginal; I = psi(k) + psi(N) - &lt;psi(n_x + 1) + psi(n_y + 1)&gt;.
/// Each variable is scaled to unit variance first, as scikit-learn does (the joint maximum norm depends on the scales).
/// </summary>
public sealed class KsgEstimator : IMiEstimator
{
    public string Name => Estimators.Ksg;
    public string Description => "nearest-neighbour estimate for two continuous variables (Kraskov et al. 2004; scikit-learn's mutual_info_regression)";

    public MiFit Fit(Variable x, Variable y, MiOptions options)
    {
        if (x.IsDiscrete || y.IsDiscrete)
            throw new InvalidOptionException($"{nameof(MiOptions)}.{nameof(MiOptions.Estimator)}", $"ksg needs two continuous variables, got X {x} and Y {y}; use ross when one is discrete.");
        var px = NearestNeighbours.Prepare(x, options.Seed, "mi/jitter/ksg-x");
        var py = NearestNeighbours.Prepare(y, options.Seed, "mi/jitter/ksg-y");
        int k = Math.Min(options.Neighbours, x.Count - 1);
        var terms = Terms(px, x.Dims, py, y.Dims, k);
        double estimate = terms.Average();
        return new MiFit(estimate, estimate, rows => rows.Average(i => terms[i]),
            perm =>
            {
                var shuffled = new double[py.Length];
                for (int i = 0; i < x.Count; i++) Array.Copy(py, (long)perm[i] * y.Dims, shuffled, (long)i * y.Dims, y.Dims);
                return Terms(px, x.Dims, shuffled, y.Dims, k).Average();
            },
            x.Count);
    }

    /// <summary>psi(N) + psi(k) - psi(n_x + 1) - psi(n_y + 1) per sample.</summary>
    public static double[] Terms(double[] x, int dx, double[] y, int dy, int k)
    {
        int n = x.Length / dx;
        var terms = new double[n];
        double constant = Digamma.Of(n) + Digamma.Of(k);
        if (dx == 1 && dy == 1)
        {
            var order = Enumerable.Range(0, n).ToArray();
            var xs = (double[])x.Clone();
            Array.Sort(xs, order);
            var ys = (double[])y.Clone();
            Array.Sort(ys);
            var rank = new int[n];
            for (int p = 0; p < n; p++) rank[order[p]] = p;
            Parallel.For(0, n, TorchSetup.Parallel, i =>
            {
                double r = NearestNeighbours.Below(KthJoint1D(xs, order, y, rank[i], k));
                int nx = NearestNeighbours.CountWithin(xs, x[i], r) - 1, ny = NearestNeighbours.CountWithin(ys, y[i], r) - 1;
                terms[i] = constant - Digamma.Of(nx + 1) - Digamma.Of(ny + 1);
            });
            return terms;
        }
        Parallel.For(0, n, TorchSetup.Parallel, i =>
        {
            var joint = new List<double>(n - 1);
            for (int j = 0; j < n; j++)
                if (j != i) joint.Add(Math.Max(NearestNeighbours.Chebyshev(x, i, j, dx), NearestNeighbours.Chebyshev(y, i, j, dy)));
            double r = NearestNeighbours.Below(NearestNeighbours.KthSmallest(joint, k));
            int nx = 0, ny = 0;
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                if (NearestNeighbours.Chebyshev(x, i, j, dx) <= r) nx++;
                if (NearestNeighbours.Chebyshev(y, i, j, dy) <= r) ny++;
            }
            terms[i] = constant - Digamma.Of(nx + 1) - Digamma.Of(ny + 1);
        });
        return terms;
    }

    /// <summary>
    /// The k-th smallest joint distance max(|dx|, |dy|) from the sample at position p of the x-sorted order: the search
    /// walks outwards in x and stops on each side once |dx| alone reaches the k-th best so far.
    /// </summary>
    static double KthJoint1D(double[] xs, int[] order, double[] y, int p, int k)
    {
        var best = new PriorityQueue<double, double>(k + 1); // max-heap of the k smallest, by negated priority
        double yp = y[order[p]];
        void Offer(int q)
        {
            double dist = Math.Max(Math.Abs(xs[q] - xs[p]), Math.Abs(y[order[q]] - yp));
            if (best.Count < k) best.Enqueue(dist, -dist);
            else if (dist < best.Peek()) { best.Dequeue(); best.Enqueue(dist, -dist); }
        }
        for (int q = p + 1; q < xs.Length && (best.Count < k || xs[q] - xs[p] < best.Peek()); q++) Offer(q);
        for (int q = p - 1; q >= 0 && (best.Count < k || xs[p] - xs[q] < best.Peek()); q--) Offer(q);
        return best.Peek();
    }
}
