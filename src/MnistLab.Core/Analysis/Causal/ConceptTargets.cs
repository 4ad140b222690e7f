using MnistLab.Analysis.Concepts;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Causal;

/// <summary>A concept as the matrix an eraser is fitted to: one-hot columns for a discrete concept, its values for a continuous one; centred, float64.</summary>
static class ConceptTargets
{
    public static Tensor Of(ConceptValues z)
    {
        using var scope = NewDisposeScope();
        var t = z.IsDiscrete
            ? nn.functional.one_hot(tensor(z.Codes.Select(c => (long)c).ToArray()), z.Classes).to_type(ScalarType.Float64)
            : tensor(z.Values).reshape(-1, 1);
        return (t - t.mean([0], keepdim: true)).MoveToOuterDisposeScope();
    }
}
