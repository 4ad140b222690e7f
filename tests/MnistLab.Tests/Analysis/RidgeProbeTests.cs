using MnistLab.Analysis;

namespace MnistLab.Tests.Analysis;

public class RidgeProbeTests
{
    [Fact]
    public void Recovers_an_exact_linear_map_with_r2_one_and_delta_zero()
    {
        var rng = new Random(4);
        int n = 200, d = 8;
        var z = new double[n, d];
        var c = new double[n, 2];
        double[] w0 = [1, -2, 0.5, 3, 0, 1.5, -1, 2], w1 = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
        for (int i = 0; i < n; i++)
        {
            for (int t = 0; t < d; t++) z[i, t] = rng.NextDouble() * 4 - 2;
            c[i, 0] = 7 + Enumerable.Range(0, d).Sum(t => w0[t] * z[i, t]);
            c[i, 1] = -3 + Enumerable.Range(0, d).Sum(t => w1[t] * z[i, t]);
        }
        var probe = RidgeProbe.Fit(z, c, lambda: 0);
        var m = RidgeProbe.Evaluate(probe, z, c);
        Assert.All(m.R2, r => Assert.Equal(1.0, r, 10));
        Assert.All(m.Delta, x => Assert.InRange(x, 0, 1e-9));
        Assert.Equal(7, probe.Weights[d, 0], 9);
        Assert.Equal(-2, probe.Weights[1, 0], 9);
    }

    [Fact]
    public void Ridge_shrinks_the_weights_as_lambda_grows_and_cv_prefers_small_lambda_on_clean_data()
    {
        var rng = new Random(9);
        int n = 300;
        var z = new double[n, 2];
        var c = new double[n, 1];
        for (int i = 0; i < n; i++) { z[i, 0] = rng.NextDouble(); z[i, 1] = rng.NextDouble(); c[i, 0] = 5 * z[i, 0] - 4 * z[i, 1]; }
        double Norm(double lambda) { var p = RidgeProbe.Fit(z, c, lambda); return Math.Abs(p.Weights[0, 0]) + Math.Abs(p.Weights[1, 0]); }
        Assert.True(Norm(100) < Norm(1) && Norm(1) < Norm(1e-3));
        Assert.True(RidgeProbe.CrossValidate(z, c, 1e-3, 5, 0)[0] < RidgeProbe.CrossValidate(z, c, 100, 5, 0)[0]);
    }
}
