using System.Diagnostics;
using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Attribution;

/// <summary>Options of LRP; defaults are Zennit's for its composites (ε = 1e-6, γ = 0.25) with the pixel range [0, 1] as the box.</summary>
public sealed record LrpOptions
{
    /// <summary>One of <see cref="LrpComposite.Names"/>.</summary>
    public string Composite { get; init; } = "epsilon-gamma-box";
    public double Epsilon { get; init; } = 1e-6;
    public double Gamma { get; init; } = 0.25;
    public double Low { get; init; }
    public double High { get; init; } = 1;
    public int BatchSize { get; init; } = 256;

    public LrpOptions Validated()
    {
        LrpComposite.Create(Composite);
        Require.NonNegative(Epsilon, $"{nameof(LrpOptions)}.{nameof(LrpOptions.Epsilon)}");
        Require.NonNegative(Gamma, $"{nameof(LrpOptions)}.{nameof(LrpOptions.Gamma)}");
        Require.That(High > Low, $"{nameof(LrpOptions)}.{nameof(LrpOptions.High)}", $"must be above LrpOptions.Low ({Low}), got {High}.");
        Require.Positive(BatchSize, $"{nameof(LrpOptions)}.{nameof(LrpOptions.BatchSize)}");
        return this;
    }

    public LrpComposite ToComposite() => LrpComposite.Create(Composite, Epsilon, Gamma, Low, High);
}

/// <summary>
/// Layer-wise relevance propagation on the model's <see cref="LayerGraph"/> (float64), stage by stage
/// (<see cref="LrpPropagation"/>), starting from R = f_t(x) at the target. Its completeness error is the relevance lost
/// or gained on the way: Σ R_input − f_t(x) (biases and ε absorb some). The graph is checked to reproduce the model's
/// output before any map is made.
/// </summary>
public static class Lrp
{
    public const string Name = "lrp";

    public static AttributionResult Compute(AttributionInput input, LrpOptions options)
    {
        options.Validated();
        input.Validated();
        var sw = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var graph = LayerGraph.Checked(input);
        var composite = options.ToComposite();
        var parts = new List<Tensor>();
        for (int start = 0; start < input.Count; start += options.BatchSize)
        {
            int n = Math.Min(options.BatchSize, input.Count - start);
            var x = input.Inputs.narrow(0, start, n).to_type(ScalarType.Float64);
            parts.Add(LrpPropagation.Relevance(graph, x, input.Targets[start..(start + n)], composite));
        }
        var maps = cat(parts, 0);
        var fx = ModelCalls.TargetOutputs(input.Model, input.Inputs, input.Targets);
        var sums = maps.reshape(maps.shape[0], -1).sum(1).data<double>().ToArray();
        return AttributionResult.From(Name, maps, sums.Select((s, i) => s - fx[i]).ToArray(), sw.Elapsed.TotalSeconds);
    }
}
