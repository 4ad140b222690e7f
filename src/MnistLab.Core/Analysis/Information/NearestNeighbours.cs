using MnistLab.Common;

namespace MnistLab.Analysis.Information;

/// <summary>
/// What the nearest-neighbour estimators share: each coordinate scaled to unit variance (without centring) and a tiny
/// seeded jitter added, as scikit-learn does, so that repeated values (a ReLU's zeros) do not tie; distances are the
/// maximum norm. One-dimensional variables use sorted arrays; others a direct search over all pairs.
/// </summary>
static class NearestNeighbours
{
    /// <summary>The variable's values (N * D, float64) scaled per coordinate by their standard deviation and jittered by 1e-10 * max(1, mean |x|).</summary>
    public static double[] Prepare(Variable v, long seed, string stream)
    {
        int n = v.Count, d = v.Dims;
        var raw = v.Values;
        var x = new double[n * d];
        var rng = Seeds.Random(seed, stream);
        for (int j = 0; j < d; j++)
        {
            double mean = 0, sq = 0;
            for (int i = 0; i < n; i++) mean += raw[i * d + j];
            mean /= n;
            for (int i = 0; i < n; i++) sq += (raw[i * d + j] - mean) * (raw[i * d + j] - mean);
            double sd = Math.Sqrt(sq / n);
            if (sd == 0) sd = 1;
            double meanAbs = 0;
            for (int i = 0; i < n; i++) meanAbs += Math.Abs(raw[i * d + j] / sd);
            double scale = 1e-10 * Math.Max(1, meanAbs / n);
            for (int i = 0; i < n; i++) x[i * d + j] = raw[i * d + j] / sd + scale * Gaussian(rng);
        }
        return x;
    }

    static double Gaussian(Random rng)
    {
        double u = 1 - rng.NextDouble(), v = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }

    /// <summary>The largest radius strictly below <paramref name="distance"/> (numpy's nextafter towards 0): counts within it leave the k-th neighbour out.</summary>
    public static double Below(double distance) => distance > 0 ? Math.BitDecrement(distance) : 0;

    public static double Chebyshev(double[] a, int i, int j, int d)
    {
        double m = 0;
        for (int t = 0; t < d; t++) m = Math.Max(m, Math.Abs(a[i * d + t] - a[j * d + t]));
        return m;
    }

    /// <summary>Sorted values of a one-dimensional sample, with the sample index of each.</summary>
    public static (double[] Values, int[] Index) Sort(double[] values, IReadOnlyList<int> members)
    {
        var index = members.ToArray();
        var sorted = index.Select(i => values[i]).ToArray();
        Array.Sort(sorted, index);
        return (sorted, index);
    }

    /// <summary>Distance from sorted[p] to its k-th nearest other value in the sorted array (k below its length).</summary>
    public static double KthDistance(double[] sorted, int p, int k)
    {
        int left = p - 1, right = p + 1;
        double last = 0;
        for (int step = 0; step < k; step++)
        {
            double dl = left >= 0 ? sorted[p] - sorted[left] : double.PositiveInfinity;
            double dr = right < sorted.Length ? sorted[right] - sorted[p] : double.PositiveInfinity;
            if (dl <= dr) { last = dl; left--; }
            else { last = dr; right++; }
        }
        return last;
    }

    /// <summary>How many values of the sorted array lie within <paramref name="radius"/> of <paramref name="value"/> (|v - value| ≤ radius).</summary>
    public static int CountWithin(double[] sorted, double value, double radius)
    {
        int lo = LowerBound(sorted, value - radius), hi = LowerBound(sorted, value + radius);
        // The bounds were found on value ± radius, which rounds; settle the edges on |v - value| ≤ radius exactly.
        while (lo > 0 && Math.Abs(sorted[lo - 1] - value) <= radius) lo--;
        while (lo < sorted.Length && Math.Abs(sorted[lo] - value) > radius && sorted[lo] < value) lo++;
        while (hi < sorted.Length && Math.Abs(sorted[hi] - value) <= radius) hi++;
        while (hi > lo && Math.Abs(sorted[hi - 1] - value) > radius) hi--;
        return hi - lo;
    }

    static int LowerBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (sorted[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>The k-th smallest of <paramref name="values"/> (1-based), by a partial sort of a copy.</summary>
    public static double KthSmallest(List<double> values, int k)
    {
        values.Sort();
        return values[k - 1];
    }
}
