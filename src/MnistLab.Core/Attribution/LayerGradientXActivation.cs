using System.Diagnostics;
using MnistLab.Common;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Attribution;

public sealed record LayerOptions
{
    /// <summary>The named point (see <c>mnistlab model show</c>): fc1, relu1, res3.conv2, ...</summary>
    public string Point { get; init; } = "";
    public int Steps { get; init; } = 50;
    public IntegrationMethod Method { get; init; } = IntegrationMethod.GaussLegendre;
    public Baseline Baseline { get; init; } = Baseline.Zero;
    public int InternalBatchRows { get; init; } = 1024;

    public LayerOptions Validated()
    {
        Require.That(!string.IsNullOrWhiteSpace(Point), $"{nameof(LayerOptions)}.{nameof(LayerOptions.Point)}", "must name a point of the model.");
        Require.InRange(Steps, 2, 100_000, $"{nameof(LayerOptions)}.{nameof(LayerOptions.Steps)}");
        Require.Positive(InternalBatchRows, $"{nameof(LayerOptions)}.{nameof(LayerOptions.InternalBatchRows)}");
        return this;
    }
}

/// <summary>Layer Gradient × Activation (Captum's LayerGradientXActivation): y ⊙ ∂f_t/∂y at the named point, in the point's shape.</summary>
public static class LayerGradientXActivation
{
    public const string Name = "layer-gradient-x-activation";

    public static AttributionResult Compute(AttributionInput input, LayerOptions options)
    {
        options.Validated();
        input.Validated();
        var sw = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var targets = tensor(input.Targets);
        using var g = Activations.Gradient(input.Model, input.Inputs, options.Point, output => output.gather(1, targets.view(-1, 1)));
        return AttributionResult.From(Name, g.Activation * g.Gradient, null, sw.Elapsed.TotalSeconds);
    }
}
