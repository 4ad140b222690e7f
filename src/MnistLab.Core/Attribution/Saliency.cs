using System.Diagnostics;
using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Attribution;

public sealed record SaliencyOptions
{
    /// <summary>Return |gradient| (Captum's default, <c>abs=True</c>) rather than the signed gradient.</summary>
    public bool Abs { get; init; } = true;

    /// <summary>Inputs per gradient pass.</summary>
    public int BatchSize { get; init; } = 1024;

    public SaliencyOptions Validated()
    {
        Require.Positive(BatchSize, $"{nameof(SaliencyOptions)}.{nameof(SaliencyOptions.BatchSize)}");
        return this;
    }
}

/// <summary>Saliency (Simonyan et al. 2014): the gradient of the target's output with respect to the input, by default its absolute value.</summary>
public static class Saliency
{
    public const string Name = "saliency";

    public static AttributionResult Compute(AttributionInput input, SaliencyOptions options)
    {
        options.Validated();
        input.Validated();
        var sw = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var maps = Gradients.Of(input, options.BatchSize);
        if (options.Abs) maps = maps.abs();
        return AttributionResult.From(Name, maps, null, sw.Elapsed.TotalSeconds);
    }
}

/// <summary>Gradients of the targets' outputs with respect to the inputs, in batches.</summary>
static class Gradients
{
    public static Tensor Of(AttributionInput input, int batch) => ModelCalls.InEval(input.Model, () =>
    {
        var parts = new List<Tensor>();
        for (int start = 0; start < input.Count; start += batch)
        {
            int n = Math.Min(batch, input.Count - start);
            parts.Add(ModelCalls.TargetGradient(input.Model, input.Inputs.narrow(0, start, n), tensor(input.Targets[start..(start + n)])).Gradient);
        }
        return cat(parts, 0);
    });
}
