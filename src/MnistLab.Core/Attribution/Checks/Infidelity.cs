using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Attribution.Checks;

/// <summary>
/// Infidelity (Yeh et al. 2019), as Captum's <c>infidelity</c> defines it: E_I[(Iᵀ·attribution − (f_t(x) − f_t(x − I)))²]
/// over perturbations I, here Gaussian noise of standard deviation <c>stdev</c> on every input feature (Captum leaves the
/// perturbation to the user; its <c>n_perturb_samples</c> default is 10 and <c>normalize</c> is off). Seeded. Lower is better.
/// </summary>
public static class Infidelity
{
    public static double[] Compute(AttributionInput input, AttributionResult maps, int samples = 10, double stdev = 0.1, long seed = 0, int batchRows = 2048)
    {
        Require.Positive(samples, "Infidelity.Samples");
        using var scope = NewDisposeScope();
        using var g = Seeds.Generator(seed, "infidelity");
        int n = input.Count;
        var x = input.Inputs;
        var attr = maps.ToTensor().to_type(x.dtype).reshape(n, -1);
        var fx = tensor(ModelCalls.TargetOutputs(input.Model, x, input.Targets));
        var total = zeros(n, dtype: ScalarType.Float64);
        for (int s = 0; s < samples; s++)
        {
            using var step = NewDisposeScope();
            var noise = randn(x.shape, dtype: x.dtype, generator: g) * stdev;
            var fp = tensor(ModelCalls.TargetOutputs(input.Model, x - noise, input.Targets, batchRows));
            var dot = (noise.reshape(n, -1) * attr).sum(1).to_type(ScalarType.Float64);
            total.add_((dot - (fx - fp)).square());
        }
        return (total / samples).data<double>().ToArray();
    }
}
