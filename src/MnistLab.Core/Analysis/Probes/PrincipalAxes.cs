using static TorchSharp.torch;

namespace MnistLab.Analysis.Probes;

/// <summary>
/// The principal axes of a design: the thin SVD of its centred rows, X - mean = U S V^T, keeping the axes above
/// numerical rank (numpy's matrix_rank tolerance). A linear probe with an L2 penalty and a free intercept needs no
/// more: the penalty is the same in any rotated basis, and a weight off the rows' span meets no data, so the penalty
/// keeps it at 0. Probes fitted to the rows' coordinates on the axes (<see cref="Scores"/>, U S, or any subset of those
/// rows: a fold, a block) and mapped back through V are the probes of the features themselves, so one decomposition
/// per layer serves every concept, control task, fold and online-code block. Owns its tensors.
/// </summary>
public sealed class PrincipalAxes : IDisposable
{
    /// <summary>The spacing of doubles at 1 (C#'s double.Epsilon is the smallest subnormal, not this).</summary>
    const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>Each row's coordinates on the axes, U S: (rows, rank) float64, centred.</summary>
    public Tensor Scores { get; }

    /// <summary>The axes as columns, V: (features, rank) float64.</summary>
    public Tensor Axes { get; }

    public double[] Singular { get; }
    public double[] Mean { get; }
    public int Rows { get; }
    public int Rank => Singular.Length;
    public int Features => Mean.Length;

    PrincipalAxes(Tensor scores, Tensor axes, double[] singular, double[] mean, int rows) =>
        (Scores, Axes, Singular, Mean, Rows) = (scores, axes, singular, mean, rows);

    public static PrincipalAxes Of(Tensor x)
    {
        if (x.dim() != 2) throw new ArgumentException($"expected a design (rows, features), got ({string.Join(", ", x.shape)}).");
        using var scope = NewDisposeScope();
        var x64 = x.to_type(ScalarType.Float64);
        int n = (int)x64.shape[0], d = (int)x64.shape[1];
        var mean = x64.mean([0]);
        var (u, s, vh) = linalg.svd(x64 - mean, fullMatrices: false);
        var singular = s.data<double>().ToArray();
        double tolerance = singular[0] * Math.Max(n, d) * MachineEpsilon;
        // At least one axis, so every width downstream is positive: a constant design keeps one axis with s = 0, scores 0.
        int rank = Math.Max(1, singular.Count(v => v > tolerance));
        var scores = (u.narrow(1, 0, rank) * s.narrow(0, 0, rank)).contiguous();
        var axes = vh.narrow(0, 0, rank).t().contiguous();
        return new PrincipalAxes(scores.DetachFromDisposeScope(), axes.DetachFromDisposeScope(), singular[..rank], mean.data<double>().ToArray(), n);
    }

    /// <summary>Other rows of the same features (a test set) on these axes: (x - mean) V.</summary>
    public Tensor Project(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (x.to_type(ScalarType.Float64) - tensor(Mean)).matmul(Axes).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Weights on the axes (rank x outputs, row-major) as weights on the features (features x outputs, V theta), and the
    /// intercepts that go with them: scores are centred, features are not, so b - mean . w.
    /// </summary>
    public (double[] Weights, double[] Intercepts) ToFeatures(double[] theta, double[] intercepts)
    {
        int k = intercepts.Length, r = Rank, d = Features;
        var w = new double[d * k];
        using (var t = tensor(theta, [r, k]))
        using (var product = Axes.matmul(t))
            product.data<double>().CopyTo(w);
        var b = (double[])intercepts.Clone();
        for (int j = 0; j < d; j++)
            for (int c = 0; c < k; c++) b[c] -= Mean[j] * w[j * k + c];
        return (w, b);
    }

    /// <summary>The inverse of <see cref="ToFeatures"/> for weights in the axes' span: V^T w, and b + mean . w.</summary>
    public (double[] Theta, double[] Intercepts) FromFeatures(double[] weights, double[] intercepts)
    {
        int k = intercepts.Length, r = Rank, d = Features;
        var theta = new double[r * k];
        using (var w = tensor(weights, [d, k]))
        using (var product = Axes.t().matmul(w).contiguous())
            product.data<double>().CopyTo(theta);
        var b = (double[])intercepts.Clone();
        for (int j = 0; j < d; j++)
            for (int c = 0; c < k; c++) b[c] += Mean[j] * weights[j * k + c];
        return (theta, b);
    }

    public void Dispose()
    {
        Scores.Dispose();
        Axes.Dispose();
    }
}
