using System.Diagnostics;
using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Attribution;

public sealed record InputXGradientOptions
{
    public int BatchSize { get; init; } = 1024;

    public InputXGradientOptions Validated()
    {
        Require.Positive(BatchSize, $"{nameof(InputXGradientOptions)}.{nameof(InputXGradientOptions.BatchSize)}");
        return this;
    }
}

/// <summary>Input × Gradient (Shrikumar et al. 2016): x ⊙ ∇f_t(x). For a model linear in its input (no bias) it sums to f_t(x).</summary>
public static class InputXGradient
{
    public const string Name = "input-x-gradient";

    public static AttributionResult Compute(AttributionInput input, InputXGradientOptions options)
    {
        options.Validated();
        input.Validated();
        var sw = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var maps = Gradients.Of(input, options.BatchSize) * input.Inputs;
        return AttributionResult.From(Name, maps, null, sw.Elapsed.TotalSeconds);
    }
}
