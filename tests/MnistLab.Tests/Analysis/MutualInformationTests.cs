using MnistLab.Analysis;
using MnistLab.Analysis.Information;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis;

public class MutualInformationTests
{
    static readonly Binning Seed = Binning.Seed;

    /// <summary>Seed 002's estimate_mi_binned, ported with its per-sample loop: the reference.</summary>
    static double LoopReference(float[] y, long[] c, int nBins = 10, double vmin = -3, double vmax = 3, int nClasses = 10)
    {
        var edges = Enumerable.Range(0, nBins + 1).Select(i => (float)(vmin + (vmax - vmin) * i / nBins)).ToArray();
        var joint = new double[nBins, nClasses];
        for (int i = 0; i < y.Length; i++)
        {
            int idx = 0; // bucketize(right=False): the first i with y <= edges[i]
            while (idx < edges.Length && !(y[i] <= edges[idx])) idx++;
            int b = Math.Clamp(idx - 1, 0, nBins - 1);
            joint[b, c[i]] += 1;
        }
        double mi = 0;
        for (int b = 0; b < nBins; b++)
            for (int k = 0; k < nClasses; k++)
            {
                double p = joint[b, k] / y.Length;
                if (p == 0) continue;
                double pb = Enumerable.Range(0, nClasses).Sum(j => joint[b, j]) / y.Length;
                double pc = Enumerable.Range(0, nBins).Sum(j => joint[j, k]) / y.Length;
                mi += p * (Math.Log(p) - Math.Log(pb) - Math.Log(pc));
            }
        return mi;
    }

    [Fact]
    public void The_vectorised_estimator_equals_the_seeds_loop_on_random_data()
    {
        var rng = new Random(7);
        int n = 500, k = 6;
        var y = Enumerable.Range(0, n * k).Select(_ => (float)(rng.NextDouble() * 8 - 4)).ToArray(); // includes values outside [-3, 3]
        y[0] = -3f; y[1] = 3f; y[2] = -2.4f; // exactly on edges
        var c = Enumerable.Range(0, n).Select(i => (long)((i * 7 + rng.Next(3)) % 10)).ToArray();
        using var yt = tensor(y, [n, k]);
        using var ct = tensor(c);
        var fast = MutualInformation.Hard(yt, ct, Seed, 10);
        for (int j = 0; j < k; j++)
        {
            var column = Enumerable.Range(0, n).Select(i => y[i * k + j]).ToArray();
            Assert.Equal(LoopReference(column, c), fast[j], 9);
        }
    }

    [Fact]
    public void A_variable_that_names_the_class_carries_exactly_its_entropy()
    {
        // y puts class c in bin c: I(y; c) = I(c; c) = H(c).
        var rng = new Random(1);
        var c = Enumerable.Range(0, 2000).Select(_ => (long)rng.Next(10)).ToArray();
        var y = c.Select(k => (float)(-3 + 0.6 * k + 0.3)).ToArray();
        using var yt = tensor(y, [c.Length, 1]);
        using var ct = tensor(c);
        Assert.Equal(MutualInformation.Entropy(c), MutualInformation.Hard(yt, ct, Seed, 10)[0], 9);
    }

    [Fact]
    public void Independent_variables_have_mi_near_zero_that_shrinks_with_more_samples()
    {
        double Mi(int n)
        {
            var rng = new Random(n);
            using var y = tensor(Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 6 - 3)).ToArray(), [n, 1]);
            using var c = tensor(Enumerable.Range(0, n).Select(_ => (long)rng.Next(10)).ToArray());
            return MutualInformation.Hard(y, c, Seed, 10)[0];
        }
        double small = Mi(1000), large = Mi(100_000);
        Assert.True(large < small, $"{large} should be below {small}");
        Assert.InRange(large, 0, 0.002); // bias of the plug-in estimate ~ (bins-1)(classes-1)/(2n) = 0.0004
    }

    [Fact]
    public void Mi_never_exceeds_log_10()
    {
        var rng = new Random(3);
        int n = 300, k = 20;
        using var y = tensor(Enumerable.Range(0, n * k).Select(_ => (float)(rng.NextDouble() * 6 - 3)).ToArray(), [n, k]);
        using var c = tensor(Enumerable.Range(0, n).Select(i => (long)(i % 10)).ToArray());
        Assert.All(MutualInformation.Hard(y, c, Seed, 10), v => Assert.InRange(v, 0, Math.Log(10) + 1e-12));
        using var soft = MutualInformation.Soft(y, c, Seed, 10, 0.3);
        Assert.All(soft.data<float>().ToArray(), v => Assert.InRange(v, -1e-6, Math.Log(10) + 1e-6));
    }

    [Fact]
    public void The_soft_estimate_approaches_the_hard_one_as_the_kernel_narrows_and_has_a_gradient()
    {
        var rng = new Random(5);
        int n = 4000;
        var c = Enumerable.Range(0, n).Select(_ => (long)rng.Next(10)).ToArray();
        // y correlated with c, values near bin centres so a narrow kernel assigns like the hard bins.
        var y = c.Select(k => (float)(-3 + 0.6 * ((k + rng.Next(2)) % 10) + 0.3 + (rng.NextDouble() - 0.5) * 0.2)).ToArray();
        using var yt = tensor(y, [n, 1]);
        using var ct = tensor(c);
        double hard = MutualInformation.Hard(yt, ct, Seed, 10)[0];
        using var narrow = MutualInformation.Soft(yt, ct, Seed, 10, 0.05);
        using var wide = MutualInformation.Soft(yt, ct, Seed, 10, 0.6);
        Assert.Equal(hard, narrow.item<float>(), 3);
        Assert.True(Math.Abs(wide.item<float>() - hard) > Math.Abs(narrow.item<float>() - hard));

        using var yg = tensor(y, [n, 1]).requires_grad_(true);
        MutualInformation.Soft(yg, ct, Seed, 10, 0.3).sum().backward();
        Assert.True(yg.grad!.abs().sum().item<float>() > 0, "soft MI must have a gradient");
    }
}
