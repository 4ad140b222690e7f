using static TorchSharp.torch;

namespace MnistLab.Analysis.Probes;

/// <summary>
/// The online code length of labels given a layer, in bits, and the uniform code length it is compared with (N log2 K):
/// <see cref="Compression"/> is uniform / online, 1 when the layer tells nothing, larger the more it tells.
/// </summary>
public sealed record MdlResult(double Bits, double UniformBits, int[] BlockEnds, int Classes, string Coded)
{
    public double Compression => Bits > 0 ? UniformBits / Bits : double.PositiveInfinity;
}

/// <summary>
/// Minimum description length by the online code (Voita and Titov 2020): the first block of the training rows is sent
/// with the uniform code (log2 K bits each); then, block by block, a probe trained on everything sent so far codes the
/// next block at -log2 p(label) bits each. A layer from which the labels are easy to learn gives a short code even with
/// little data; a constant label costs nothing after the first block. A continuous concept is sent as its equal-mass bin
/// (its decile by default), coded by the ridge probe of the blocks sent so far with Gaussian noise: the probability of a
/// bin is the normal mass between its edges around the prediction. Everything a block's code uses can be rebuilt by the
/// receiver from what came before it: the bins' edges and mean values go first (a header, not counted), the ridge
/// probe is fitted to the sent bins' mean values, not to the exact values it never received. The probe's lambda was
/// chosen among <c>lambdaChoices</c> by cross-validation on all training rows, so its index is sent first too:
/// log2(lambdaChoices) bits.
/// </summary>
public static class OnlineCode
{
    public static MdlResult Compute(Tensor x, int[] labels, int classes, double lambda, IReadOnlyList<double> fractions, string coded = "labels",
        int lambdaChoices = 1)
    {
        using var axes = PrincipalAxes.Of(x);
        return Compute(axes, SoftmaxRows.Of(axes.Scores), labels, classes, lambda, fractions, coded, lambdaChoices);
    }

    /// <summary>The online code on rows given by their principal axes (a probe layer's training rows, in the order they are sent).</summary>
    internal static MdlResult Compute(PrincipalAxes axes, SoftmaxRows rows, int[] labels, int classes, double lambda, IReadOnlyList<double> fractions, string coded = "labels",
        int lambdaChoices = 1)
    {
        int n = labels.Length;
        var ends = fractions.Select(f => Math.Clamp((int)Math.Round(f * n), 1, n)).Append(n).Distinct().Order().ToArray();
        double log2K = Math.Log2(classes);
        double bits = ends[0] * log2K + Math.Log2(lambdaChoices);
        LogisticRegression.AxisFit? previous = null;
        for (int b = 0; b + 1 < ends.Length; b++)
        {
            var seen = rows.Take(ends[b]);
            var next = rows.Slice(ends[b], ends[b + 1] - ends[b]);
            // Code lengths to a few digits need the optimum to a few digits: the looser tolerance of cross-validation.
            previous = LogisticRegression.Fit(axes, seen, labels[..ends[b]], classes, lambda, previous, tolerance: 1e-4, maxIterations: 200);
            var logp = LogisticRegression.LogProbabilities(next, previous);
            for (int i = 0; i < ends[b + 1] - ends[b]; i++) bits -= logp[i, labels[ends[b] + i]] / Math.Log(2);
        }
        return new MdlResult(bits, n * log2K, ends, classes, coded);
    }

    /// <summary>
    /// The online code of a continuous concept's equal-mass bins (<paramref name="values"/> in training-row order) under
    /// ridge probes with lambda <paramref name="lambda"/>, each fitted to the mean values of the bins sent so far: each
    /// block's noise variance is their residual sum of squares over the residual degrees of freedom, floored at 1e-3 of
    /// the bins' variance; blocks too small to estimate it (fewer than 2 residual degrees of freedom) use the bins' variance.
    /// </summary>
    public static MdlResult Ridge(ProbeLayer layer, double[] values, int bins, double lambda, IReadOnlyList<double> fractions, string coded,
        int lambdaChoices = 1)
    {
        int n = values.Length, d = layer.Rank;
        var sorted = values.Order().ToArray();
        var edges = Enumerable.Range(1, bins - 1).Select(k => sorted[Math.Min(n - 1, (int)((long)k * n / bins))]).Distinct().ToArray();
        int Bin(double v) { int b = 0; while (b < edges.Length && edges[b] <= v) b++; return b; }
        int classes = edges.Length + 1;
        var codes = values.Select(Bin).ToArray();
        // The header: each bin's mean value. What the receiver knows of a sent row is its bin, so it stands for the row.
        var centre = Enumerable.Range(0, classes).Select(b => Enumerable.Range(0, n).Where(i => codes[i] == b).Select(i => values[i]).DefaultIfEmpty(0).Average()).ToArray();
        var sent = codes.Select(b => centre[b]).ToArray();
        double mean = centre.Average(), variance = centre.Sum(c => (c - mean) * (c - mean)) / classes; // equal-mass bins weigh alike
        var ends = fractions.Select(f => Math.Clamp((int)Math.Round(f * n), 1, n)).Append(n).Distinct().Order().ToArray();
        var train = layer.TrainValues;
        double log2K = Math.Log2(classes), bits = ends[0] * log2K + Math.Log2(lambdaChoices);
        for (int b = 0; b + 1 < ends.Length; b++)
        {
            int seen = ends[b];
            var path = layer.Prefix(seen);
            var model = path.Fit(sent[..seen], lambda);
            var fitted = model.Predict(train.AsSpan(0, seen * d), d);
            double ssr = Enumerable.Range(0, seen).Sum(i => (sent[i] - fitted[i]) * (sent[i] - fitted[i]));
            double dof = seen - path.DegreesOfFreedom(lambda);
            double sd = Math.Sqrt(dof >= 2 ? Math.Max(ssr / dof, 1e-3 * variance) : variance);
            if (sd == 0) sd = 1; // a constant concept: every bin but one is empty, any width codes it
            var next = model.Predict(train.AsSpan(seen * d, (ends[b + 1] - seen) * d), d);
            for (int i = 0; i < next.Length; i++)
            {
                int bin = codes[seen + i];
                double lo = bin == 0 ? double.NegativeInfinity : edges[bin - 1], hi = bin == edges.Length ? double.PositiveInfinity : edges[bin];
                bits -= Math.Log2(Math.Max(Normal.Mass((lo - next[i]) / sd, (hi - next[i]) / sd), 1e-300));
            }
        }
        return new MdlResult(bits, n * log2K, ends, classes, coded);
    }
}
