using System.Diagnostics;
using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Attribution;

/// <summary>Options of Integrated Gradients; the defaults are Captum's (50 steps, Gauss–Legendre, zero baseline).</summary>
public sealed record IntegratedGradientsOptions
{
    public int Steps { get; init; } = 50;
    public IntegrationMethod Method { get; init; } = IntegrationMethod.GaussLegendre;
    public Baseline Baseline { get; init; } = Baseline.Zero;

    /// <summary>Scaled inputs per forward/backward pass; unset, as many as fit in <see cref="MemoryLimitMb"/>.</summary>
    public int? InternalBatchRows { get; init; }

    /// <summary>The working memory one pass may use, in MiB, when <see cref="InternalBatchRows"/> is unset.</summary>
    public double MemoryLimitMb { get; init; } = 256;

    public IntegratedGradientsOptions Validated()
    {
        Require.InRange(Steps, Method == IntegrationMethod.GaussLegendre ? 1 : 2, 100_000, $"{nameof(IntegratedGradientsOptions)}.{nameof(IntegratedGradientsOptions.Steps)}");
        if (InternalBatchRows is { } r) Require.Positive(r, $"{nameof(IntegratedGradientsOptions)}.{nameof(IntegratedGradientsOptions.InternalBatchRows)}");
        Require.Positive(MemoryLimitMb, $"{nameof(IntegratedGradientsOptions)}.{nameof(IntegratedGradientsOptions.MemoryLimitMb)}");
        return this;
    }

    internal int Rows(AttributionInput input) => InternalBatchRows ?? ModelCalls.RowBudget(input.Model, input.Inputs.narrow(0, 0, 1), MemoryLimitMb);
}

/// <summary>
/// Integrated Gradients (Sundararajan et al. 2017): (x − b) ⊙ ∫₀¹ ∇f_t(b + α(x − b)) dα, the integral by
/// <see cref="Quadrature"/>. Every map comes with its completeness error Σ attributions − (f_t(x) − f_t(b)).
/// </summary>
public static class IntegratedGradients
{
    public const string Name = "ig";

    public static AttributionResult Compute(AttributionInput input, IntegratedGradientsOptions options)
    {
        options.Validated();
        input.Validated();
        var sw = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var (alphas, weights) = Quadrature.Nodes(options.Method, options.Steps);
        var x = input.Inputs;
        var b = options.Baseline.For(x);
        int rows = options.Rows(input);
        var integral = ModelCalls.InEval(input.Model, () => PathIntegral.Shared(input.Model, x, b, input.Targets, alphas, weights, rows));
        var maps = integral * (x - b);
        double seconds = sw.Elapsed.TotalSeconds;
        return AttributionResult.From(Name, maps, Completeness.Error(input.Model, maps, x, b, input.Targets), seconds);
    }
}

/// <summary>Completeness of a path method: Σ attributions − (f_t(x) − f_t(b)) per example, in float64.</summary>
static class Completeness
{
    public static double[] Error(TorchSharp.torch.nn.Module<Tensor, Tensor> model, Tensor maps, Tensor x, Tensor b, long[] targets)
    {
        using var scope = NewDisposeScope();
        var fx = ModelCalls.TargetOutputs(model, x, targets);
        var fb = ModelCalls.TargetOutputs(model, b, targets);
        var sums = maps.reshape(maps.shape[0], -1).to_type(ScalarType.Float64).sum(1).data<double>().ToArray();
        return sums.Select((s, i) => s - (fx[i] - fb[i])).ToArray();
    }
}
