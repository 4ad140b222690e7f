using System.Diagnostics;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Attribution;

/// <summary>
/// Layer Integrated Gradients (Captum's LayerIntegratedGradients): Integrated Gradients of f_t with respect to the
/// activation y at the named point, along the straight path from y(baseline) to y(x) in that layer's space (the
/// activation is patched with each point of the path). Complete: Σ = f_t(x) − f_t(b) up to quadrature error.
/// </summary>
public static class LayerIntegratedGradients
{
    public const string Name = "layer-ig";

    public static AttributionResult Compute(AttributionInput input, LayerOptions options)
    {
        options.Validated();
        input.Validated();
        var sw = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var model = input.Model;
        var x = input.Inputs;
        var b = options.Baseline.For(x);
        using var atX = Activations.Run(model, x, [options.Point]);
        using var atB = Activations.Run(model, b, [options.Point]);
        Tensor yx = atX[options.Point], yb = atB[options.Point];
        var (alphas, weights) = Quadrature.Nodes(options.Method, options.Steps);
        // The model reads each example's own input; the point's output is replaced by the path's value.
        var integral = ModelCalls.InEval(model, () => PathIntegral.Shared(yx, yb, input.Targets, alphas, weights, options.InternalBatchRows,
            (path, t, chunk) => PointPatch.GradientAt(model, x.narrow(0, chunk.First, chunk.Count).repeat_interleave(chunk.Steps, 0), options.Point, path, t)));
        var maps = integral * (yx - yb);
        return AttributionResult.From(Name, maps, Completeness.Error(model, maps, x, b, input.Targets), sw.Elapsed.TotalSeconds);
    }
}
