using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Analysis;

/// <summary>
/// A fitted linear probe w: Z -> R^k. <c>Weights</c> is (d + 1) x k in float64: rows 0..d-1 multiply the
/// latent coordinates, row d is the bias. Fitted values are learned attributes; the options stay apart.
/// </summary>
public sealed record RidgeProbeResult(double[,] Weights, double Lambda)
{
    public int LatentDim => Weights.GetLength(0) - 1;
    public int Outputs => Weights.GetLength(1);

    /// <summary>Predictions (N, k) for latents (N, d).</summary>
    public double[,] Predict(double[,] z)
    {
        int n = z.GetLength(0), d = LatentDim, k = Outputs;
        var p = new double[n, k];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < k; j++)
            {
                double s = Weights[d, j];
                for (int t = 0; t < d; t++) s += z[i, t] * Weights[t, j];
                p[i, j] = s;
            }
        return p;
    }
}

/// <summary>R^2 and sup error per output, as seed 004's probe_metrics computes them.</summary>
/// <summary>R^2, sup error (delta) and the 99th percentile of |residual|, per output.</summary>
public sealed record ProbeMetrics(double[] R2, double[] Delta, double[] P99, int Samples);

/// <summary>
/// Seed 004's ridge probe: design matrix Z = [mu, 1], W = (Z^T Z + lambda I)^-1 Z^T C with lambda on the
/// weights and the bias alike, solved in closed form in float64.
/// </summary>
public static class RidgeProbe
{
    public static RidgeProbeResult Fit(double[,] z, double[,] c, double lambda = 1e-3)
    {
        Require.NonNegative(lambda, "ridge lambda");
        if (z.GetLength(0) != c.GetLength(0)) throw new ArgumentException($"{z.GetLength(0)} latents but {c.GetLength(0)} targets.");
        using var scope = NewDisposeScope();
        int n = z.GetLength(0), d = z.GetLength(1);
        var zt = cat([tensor(z), ones(n, 1, dtype: ScalarType.Float64)], 1); // (N, d+1)
        var a = zt.t().matmul(zt) + eye(d + 1, dtype: ScalarType.Float64).mul(lambda);
        var w = linalg.solve(a, zt.t().matmul(tensor(c))); // (d+1, k)
        return new RidgeProbeResult(TensorData.Matrix(w), lambda);
    }

    /// <summary>R^2 = 1 - SSR / (SST + 1e-8) and delta = max_i |c_i - w(z_i)|, per output (the seed's formulas).</summary>
    public static ProbeMetrics Evaluate(RidgeProbeResult probe, double[,] z, double[,] c)
    {
        var p = probe.Predict(z);
        int n = c.GetLength(0), k = c.GetLength(1);
        var r2 = new double[k];
        var delta = new double[k];
        var p99 = new double[k];
        for (int j = 0; j < k; j++)
        {
            double mean = 0;
            for (int i = 0; i < n; i++) mean += c[i, j];
            mean /= n;
            double ssr = 0, sst = 0, max = 0;
            for (int i = 0; i < n; i++)
            {
                double r = c[i, j] - p[i, j];
                ssr += r * r;
                sst += (c[i, j] - mean) * (c[i, j] - mean);
                max = Math.Max(max, Math.Abs(r));
            }
            r2[j] = 1 - ssr / (sst + 1e-8);
            delta[j] = max;
            var abs = Enumerable.Range(0, n).Select(i => Math.Abs(c[i, j] - p[i, j])).Order().ToArray();
            p99[j] = abs[Math.Min(n - 1, (int)Math.Ceiling(0.99 * n) - 1)];
        }
        return new ProbeMetrics(r2, delta, p99, n);
    }

    /// <summary>
    /// Mean squared error per output under <paramref name="folds"/>-fold cross-validation (every folds-th item of an
    /// order shuffled by the stream "ridge/folds" of <paramref name="seed"/>).
    /// </summary>
    public static double[] CrossValidate(double[,] z, double[,] c, double lambda, int folds, long seed)
    {
        int n = z.GetLength(0), k = c.GetLength(1);
        var order = Enumerable.Range(0, n).ToArray();
        Seeds.Random(seed, "ridge/folds").Shuffle(order);
        var mse = new double[k];
        for (int f = 0; f < folds; f++)
        {
            var test = order.Where((_, i) => i % folds == f).ToArray();
            var train = order.Where((_, i) => i % folds != f).ToArray();
            var probe = Fit(Rows(z, train), Rows(c, train), lambda);
            var pred = probe.Predict(Rows(z, test));
            var truth = Rows(c, test);
            for (int j = 0; j < k; j++)
                for (int i = 0; i < test.Length; i++)
                    mse[j] += (truth[i, j] - pred[i, j]) * (truth[i, j] - pred[i, j]) / n;
        }
        return mse;
    }

    public static double[,] Rows(double[,] m, int[] rows)
    {
        var r = new double[rows.Length, m.GetLength(1)];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < m.GetLength(1); j++)
                r[i, j] = m[rows[i], j];
        return r;
    }

}
