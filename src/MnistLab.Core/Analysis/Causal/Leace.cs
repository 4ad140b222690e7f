using MnistLab.Analysis.Concepts;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Causal;

/// <summary>
/// LEACE (Belrose et al. 2023), LEAst-squares Concept Erasure, in closed form: with W = Σxx^(-1/2) the whitening of the
/// activations and P the orthogonal projection onto the column space of W·Σxz (Σxz the cross-covariance with the
/// concept's one-hot or value columns), M = W⁺·P·W. The erased activations have zero cross-covariance with the
/// concept, so no linear predictor of it does better than a constant (on the images it was fitted on), and among the
/// erasers that guarantee this it moves the activations least in mean squared distance. Directions of zero variance
/// (eigenvalues below a relative <c>tolerance</c>), and features constant on the fitted images, are left alone: they
/// carry nothing to erase.
/// </summary>
public static class Leace
{
    public static ConceptEraser Fit(Tensor activations, ConceptValues concept, double tolerance = 1e-10)
    {
        if (activations.shape[0] != concept.Count)
            throw new ArgumentException($"{concept.Name}: {concept.Count} values for {activations.shape[0]} images.");
        using var scope = NewDisposeScope();
        var x = activations.reshape(activations.shape[0], -1).to_type(ScalarType.Float64);
        long n = x.shape[0];
        var mean = x.mean([0]);
        var centred = x - mean;
        var sxx = centred.t().matmul(centred) / n;
        var sxz = centred.t().matmul(ConceptTargets.Of(concept)) / n;

        var (values, vectors) = linalg.eigh(sxx);
        var support = values > tolerance * Math.Max(values.max().item<double>(), double.Epsilon);
        var w = vectors.mul(where(support, values.clamp_min(double.Epsilon).rsqrt(), 0).unsqueeze(0)).matmul(vectors.t());
        var wPlus = vectors.mul(where(support, values.clamp_min(0).sqrt(), 0).unsqueeze(0)).matmul(vectors.t());

        var (u, s, _) = linalg.svd(w.matmul(sxz), fullMatrices: false);
        double top = s.numel() == 0 ? 0 : s.max().item<double>();
        int rank = top <= 0 ? 0 : (int)(s > tolerance * top).sum().item<long>();
        var basis = u.narrow(1, 0, rank);
        var m = wPlus.matmul(basis).matmul(basis.t()).matmul(w);
        // A feature constant on the fitted images (a dead unit) is outside the support, but rounding leaves M entries of
        // ~1e-16 in its row: the erased value would be written into it at that scale, where a standardising probe finds
        // it again. Its row and column are zeroed: it is left as it is, and it erases nothing.
        var variance = sxx.diagonal();
        var live = (variance > tolerance * Math.Max(variance.max().item<double>(), double.Epsilon)).to_type(ScalarType.Float64);
        m = m * live.unsqueeze(1) * live.unsqueeze(0);
        return new ConceptEraser("leace", rank, m.MoveToOuterDisposeScope(), mean.MoveToOuterDisposeScope());
    }
}
