using MnistLab.Analysis.Concepts;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Causal;

/// <summary>
/// INLP (Ravfogel et al. 2020), Iterative Nullspace Projection: fit a linear predictor of the concept, remove the
/// directions it reads (an orthogonal projection onto their nullspace), and again on what is left, until no predictor
/// finds a direction or <c>iterations</c> are done. The predictors here are ridge regressions onto the concept's centred
/// one-hot or value columns (closed form, so the eraser is deterministic); the original uses linear classifiers. Unlike
/// LEACE's, the result is an orthogonal projection (M symmetric), and it may remove more dimensions than it needs.
/// </summary>
public static class Inlp
{
    public static ConceptEraser Fit(Tensor activations, ConceptValues concept, int iterations = 10, double ridge = 1e-4, double tolerance = 1e-8)
    {
        if (activations.shape[0] != concept.Count)
            throw new ArgumentException($"{concept.Name}: {concept.Count} values for {activations.shape[0]} images.");
        if (iterations < 1) throw new ArgumentOutOfRangeException(nameof(iterations), iterations, "INLP needs at least one iteration.");
        using var scope = NewDisposeScope();
        var x = activations.reshape(activations.shape[0], -1).to_type(ScalarType.Float64);
        long n = x.shape[0], d = x.shape[1];
        var mean = x.mean([0]);
        var centred = x - mean;
        var z = ConceptTargets.Of(concept);
        var basis = zeros(d, 0, ScalarType.Float64);
        // The ridge penalty is relative to the activations' scale, so the eraser does not depend on their units.
        double scale = Math.Max((centred * centred).sum().item<double>() / n / d, double.Epsilon);
        var identity = eye(d, dtype: ScalarType.Float64);
        for (int i = 0; i < iterations; i++)
        {
            var left = centred - centred.matmul(basis).matmul(basis.t());
            var gram = left.t().matmul(left) / n + identity * (ridge * scale);
            var weights = linalg.solve(gram, left.t().matmul(z) / n);      // (d, k): the predictor of each column
            weights -= basis.matmul(basis.t().matmul(weights));              // only directions not removed yet
            var (u, s, _) = linalg.svd(weights, fullMatrices: false);
            double top = s.numel() == 0 ? 0 : s.max().item<double>();
            // A predictor that explains nothing of the concept on what is left ends the iterations.
            var fitted = left.matmul(weights);
            if (top <= 0 || (fitted * z).sum().item<double>() <= tolerance * (z * z).sum().item<double>()) break;
            int rank = (int)(s > tolerance * top).sum().item<long>();
            basis = cat([basis, u.narrow(1, 0, rank)], 1);
        }
        var m = basis.matmul(basis.t());
        return new ConceptEraser("inlp", (int)basis.shape[1], m.MoveToOuterDisposeScope(), mean.MoveToOuterDisposeScope());
    }
}
