using System.Diagnostics;
using static TorchSharp.torch;

namespace MnistLab.Attribution;

/// <summary>
/// Neuron Integrated Gradients (Captum's NeuronIntegratedGradients): Integrated Gradients of one neuron's activation
/// y_j at a named point with respect to the input. Complete: Σ = y_j(x) − y_j(b) up to quadrature error.
/// </summary>
public static class NeuronIntegratedGradients
{
    public const string Name = "neuron-ig";

    public static AttributionResult Compute(AttributionInput input, NeuronOptions options)
    {
        options.Validated();
        var sw = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var model = input.Model;
        var x = input.Inputs;
        var b = options.Baseline.For(x);
        var (alphas, weights) = Quadrature.Nodes(options.Method, options.Steps);
        var maps = ModelCalls.InEval(model, () => PathIntegral.Shared(x, b, input.Targets, alphas, weights, options.InternalBatchRows,
            (scaled, _, _) => PointPatch.NeuronGradient(model, scaled, options.Point, options.Neuron).Gradient)) * (x - b);
        var (_, yx) = ModelCalls.InEval(model, () => PointPatch.NeuronGradient(model, x, options.Point, options.Neuron));
        var (_, yb) = ModelCalls.InEval(model, () => PointPatch.NeuronGradient(model, b, options.Point, options.Neuron));
        var sums = maps.reshape(input.Count, -1).to_type(ScalarType.Float64).sum(1);
        var error = (sums - (yx - yb).to_type(ScalarType.Float64)).data<double>().ToArray();
        return AttributionResult.From(Name, maps, error, sw.Elapsed.TotalSeconds);
    }
}
