using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Attribution.Checks;

/// <summary>
/// Max-sensitivity (Yeh et al. 2019), as Captum's <c>sensitivity_max</c>: the largest ‖Φ(x + δ) − Φ(x)‖ / ‖Φ(x)‖
/// (Frobenius norms) over <c>samples</c> draws of δ uniform in the L∞ ball of <c>radius</c>
/// (Captum's defaults: 10 draws, radius 0.02). Seeded. Lower is better.
/// </summary>
public static class MaxSensitivity
{
    public static double[] Compute(AttributionInput input, AttributionResult maps, Func<AttributionInput, AttributionResult> method, int samples = 10, double radius = 0.02, long seed = 0)
    {
        Require.Positive(samples, "MaxSensitivity.Samples");
        using var scope = NewDisposeScope();
        using var g = Seeds.Generator(seed, "max-sensitivity");
        int n = input.Count;
        var original = maps.ToTensor().to_type(ScalarType.Float64).reshape(n, -1);
        var norm = original.norm(1);
        norm = where(norm.eq(0), ones_like(norm), norm);
        var best = zeros(n, dtype: ScalarType.Float64);
        for (int s = 0; s < samples; s++)
        {
            using var step = NewDisposeScope();
            var delta = (rand(input.Inputs.shape, dtype: input.Inputs.dtype, generator: g) * 2 - 1) * radius;
            using var perturbed = method(input with { Inputs = input.Inputs + delta }).ToTensor();
            var change = (perturbed.to_type(ScalarType.Float64).reshape(n, -1) - original).norm(1) / norm;
            best = maximum(best, change).MoveToOuterDisposeScope();
        }
        return best.data<double>().ToArray();
    }
}
