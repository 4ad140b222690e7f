using System.Diagnostics;
using MnistLab.Common;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution;

public sealed record ExactIntegratedGradientsOptions
{
    public Baseline Baseline { get; init; } = Baseline.Zero;

    /// <summary>The most linear pieces one path may have before the method gives up (a deep network can have very many).</summary>
    public int MaxPieces { get; init; } = 50_000;

    /// <summary>Gradient evaluations per pass.</summary>
    public int InternalBatchRows { get; init; } = 2048;

    public ExactIntegratedGradientsOptions Validated()
    {
        Require.Positive(MaxPieces, $"{nameof(ExactIntegratedGradientsOptions)}.{nameof(ExactIntegratedGradientsOptions.MaxPieces)}");
        Require.Positive(InternalBatchRows, $"{nameof(ExactIntegratedGradientsOptions)}.{nameof(ExactIntegratedGradientsOptions.InternalBatchRows)}");
        return this;
    }
}

/// <summary>
/// Integrated Gradients without quadrature error, for piecewise-linear models (Linear, Conv2d, ReLU, max-pooling,
/// BatchNorm in eval, Flatten, Dropout in eval, residual sums). Along the straight path the model is linear between
/// the points where some ReLU or max-pool changes its pattern, so ∇f is constant on each piece and the path integral
/// is the finite sum Σ_pieces (α_{k+1} − α_k) ∇f(midpoint). The pieces are found by walking the path through the
/// model's <see cref="LayerGraph"/> with value and tangent (<see cref="ExactPathWalk"/>); everything runs in float64,
/// so completeness holds to float64 rounding. The graph is checked to reproduce the model's output first.
/// </summary>
public static class ExactIntegratedGradients
{
    public const string Name = "ig-exact";

    public static AttributionResult Compute(AttributionInput input, ExactIntegratedGradientsOptions options)
    {
        options.Validated();
        input.Validated();
        var sw = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var graph = LayerGraph.Checked(input);
        ExactPathWalk.RequireWalkable(graph);
        var x = input.Inputs.to_type(ScalarType.Float64);
        var b = options.Baseline.For(input.Inputs).to_type(ScalarType.Float64);
        var points = ExactPathWalk.Breakpoints(graph, x, b, options.MaxPieces);
        var nodes = points.Select(p => (
            Enumerable.Range(0, p.Count - 1).Select(k => (p[k] + p[k + 1]) / 2).ToArray(),
            Enumerable.Range(0, p.Count - 1).Select(k => p[k + 1] - p[k]).ToArray())).ToList();
        var model = new GraphModule(graph);
        var maps = PathIntegral.PerExample(model, x, b, input.Targets, nodes, options.InternalBatchRows) * (x - b);
        double seconds = sw.Elapsed.TotalSeconds;
        var result = AttributionResult.From(Name, maps, Completeness.Error(model, maps, x, b, input.Targets), seconds);
        return result with { Pieces = points.Select(p => p.Count - 1).ToArray() };
    }

    /// <summary>The graph as a module, so the path engine can take its gradients in float64.</summary>
    sealed class GraphModule(LayerGraph graph) : Module<Tensor, Tensor>("LayerGraph")
    {
        public override Tensor forward(Tensor x) => graph.Forward(x);
    }
}
