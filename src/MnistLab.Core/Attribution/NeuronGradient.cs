using System.Diagnostics;
using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Attribution;

public sealed record NeuronOptions
{
    /// <summary>The named point of the neuron.</summary>
    public string Point { get; init; } = "";

    /// <summary>The neuron's index within one example's activation at the point, flattened in C order.</summary>
    public long Neuron { get; init; }

    public int Steps { get; init; } = 50;
    public IntegrationMethod Method { get; init; } = IntegrationMethod.GaussLegendre;
    public Baseline Baseline { get; init; } = Baseline.Zero;
    public int InternalBatchRows { get; init; } = 1024;

    public NeuronOptions Validated()
    {
        Require.That(!string.IsNullOrWhiteSpace(Point), $"{nameof(NeuronOptions)}.{nameof(NeuronOptions.Point)}", "must name a point of the model.");
        Require.That(Neuron >= 0, $"{nameof(NeuronOptions)}.{nameof(NeuronOptions.Neuron)}", $"must be ≥ 0, got {Neuron}.");
        Require.InRange(Steps, 1, 100_000, $"{nameof(NeuronOptions)}.{nameof(NeuronOptions.Steps)}");
        Require.Positive(InternalBatchRows, $"{nameof(NeuronOptions)}.{nameof(NeuronOptions.InternalBatchRows)}");
        return this;
    }
}

/// <summary>Neuron gradient (Captum's NeuronGradient): ∂y_j/∂x for one neuron j at a named point. The targets are not used.</summary>
public static class NeuronGradient
{
    public const string Name = "neuron-gradient";

    public static AttributionResult Compute(AttributionInput input, NeuronOptions options)
    {
        options.Validated();
        var sw = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var (grad, _) = ModelCalls.InEval(input.Model, () => PointPatch.NeuronGradient(input.Model, input.Inputs, options.Point, options.Neuron));
        return AttributionResult.From(Name, grad, null, sw.Elapsed.TotalSeconds);
    }
}
