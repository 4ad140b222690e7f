using MnistLab.Analysis.Information;
using MnistLab.Common;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Analysis;

/// <summary>
/// Plug-in mutual information I(y; c) in nats between a binned real variable and a class, for many
/// variables at once: <c>y</c> is (B, K), one column per variable; <c>c</c> is (B) int64 in [0, classes).
/// </summary>
public static class MutualInformation
{
    /// <summary>
    /// Seed 002's estimator exactly: edges = linspace(min, max, bins + 1), bin = bucketize(y, edges) - 1
    /// clamped to [0, bins - 1], a joint histogram with the classes, plug-in MI. All columns in one bincount.
    /// </summary>
    public static double[] Hard(Tensor y, Tensor c, Binning bins, int classes)
    {
        using var scope = NewDisposeScope();
        var joint = HardCounts(y, c, bins, classes);
        return FromJoint(joint).to_type(ScalarType.Float64).data<double>().ToArray();
    }

    /// <summary>Joint counts (K, bins, classes) of the hard binning, summed in chunks to bound memory.</summary>
    public static Tensor HardCounts(Tensor y, Tensor c, Binning bins, int classes, int chunk = 8192)
    {
        RequireFixedWidth(bins);
        if (y.dim() != 2 || c.dim() != 1 || y.shape[0] != c.shape[0])
            throw new ArgumentException($"expected y (B, K) and c (B), got ({string.Join(", ", y.shape)}) and ({string.Join(", ", c.shape)}).");
        long k = y.shape[1], cells = k * bins.Count * classes;
        var counts = zeros(cells, dtype: ScalarType.Float64);
        using var edges = linspace(bins.Min, bins.Max, bins.Count + 1, dtype: y.dtype);
        using var column = arange(k, dtype: ScalarType.Int64).mul_(bins.Count * classes); // (K)
        for (long start = 0; start < y.shape[0]; start += chunk)
        {
            using var scope = NewDisposeScope();
            long n = Math.Min(chunk, y.shape[0] - start);
            var bin = bucketize(y.narrow(0, start, n).contiguous(), edges).sub_(1).clamp_(0, bins.Count - 1); // (n, K)
            var index = bin.mul_(classes).add_(c.narrow(0, start, n).unsqueeze(1)).add_(column); // (n, K)
            counts.add_(bincount(index.reshape(-1), minlength: cells).to_type(ScalarType.Float64));
        }
        return counts.reshape(k, bins.Count, classes);
    }

    /// <summary>
    /// A differentiable estimate: each y is spread over the bin centres by a Gaussian kernel of standard
    /// deviation <paramref name="width"/> (normalised over the bins), so the joint histogram, and the MI,
    /// are smooth in y. As width goes to 0 it approaches the hard estimate. Returns (K).
    /// </summary>
    public static Tensor Soft(Tensor y, Tensor c, Binning bins, int classes, double width)
    {
        RequireFixedWidth(bins);
        using var scope = NewDisposeScope();
        var centres = linspace(bins.Min + bins.BinWidth / 2, bins.Max - bins.BinWidth / 2, bins.Count, dtype: y.dtype); // (nb)
        var d = y.unsqueeze(2) - centres; // (B, K, nb)
        var weights = functional.softmax(d.square().div(-2 * width * width), 2); // (B, K, nb)
        var onehot = functional.one_hot(c, classes).to_type(y.dtype); // (B, nc)
        var joint = einsum("bkn,bc->knc", weights, onehot); // (K, nb, nc): soft counts
        return FromJoint(joint).MoveToOuterDisposeScope();
    }

    static void RequireFixedWidth(Binning bins) =>
        Require.That(bins.IsFixedWidth, "Binning.Kind", $"must be equal-width bins on a fixed range here (the seed's estimator bins on [min, max]), got {bins}.");

    /// <summary>MI (nats) of each (bins, classes) table in a (K, bins, classes) tensor of counts.</summary>
    public static Tensor FromJoint(Tensor joint)
    {
        var total = joint.sum([1, 2], keepdim: true);
        var p = joint / total;
        var pb = p.sum(2, keepdim: true);
        var pc = p.sum(1, keepdim: true);
        // 0 log 0 = 0: cells with no mass contribute nothing (and no NaN gradient).
        var safe = p.clamp_min(1e-30);
        var terms = p * (safe.log() - pb.clamp_min(1e-30).log() - pc.clamp_min(1e-30).log());
        return terms.sum([1, 2]);
    }

    /// <summary>Plug-in entropy (nats) of integer labels.</summary>
    public static double Entropy(IEnumerable<long> labels)
    {
        var counts = labels.GroupBy(l => l).Select(g => (double)g.Count()).ToArray();
        double n = counts.Sum();
        return -counts.Sum(k => k / n * Math.Log(k / n));
    }
}
