using System.Diagnostics;
using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Attribution;

/// <summary>What a noise tunnel keeps of the maps of the noisy copies (Captum's <c>nt_type</c>).</summary>
/// <remarks>Named as Captum names them, in JSON and on the command line alike.</remarks>
public enum NoiseTunnelKind
{
    [System.Text.Json.Serialization.JsonStringEnumMemberName("smoothgrad")] SmoothGrad,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("smoothgrad_sq")] SmoothGradSquared,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("vargrad")] VarGrad,
}

public sealed record NoiseTunnelOptions
{
    public NoiseTunnelKind Kind { get; init; } = NoiseTunnelKind.SmoothGrad;

    /// <summary>Noisy copies per input (Captum's <c>nt_samples</c>).</summary>
    public int Samples { get; init; } = 20;

    /// <summary>
    /// Standard deviation of the Gaussian noise, in input units. 0.15 is SmoothGrad's 15% of the [0, 1] pixel range
    /// (Smilkov et al. 2017); Captum's 1.0 assumes standardised inputs.
    /// </summary>
    public double Stdev { get; init; } = 0.15;

    /// <summary>The method run on every noisy copy (a name of <see cref="AttributionMethods"/>); saliency by default, as SmoothGrad.</summary>
    public string Method { get; init; } = Saliency.Name;

    public long Seed { get; init; }

    public NoiseTunnelOptions Validated()
    {
        Require.InRange(Samples, 1, 10_000, $"{nameof(NoiseTunnelOptions)}.{nameof(NoiseTunnelOptions.Samples)}");
        Require.NonNegative(Stdev, $"{nameof(NoiseTunnelOptions)}.{nameof(NoiseTunnelOptions.Stdev)}");
        Require.That(Method is not (NoiseTunnel.Name or GradientShap.Name), $"{nameof(NoiseTunnelOptions)}.{nameof(NoiseTunnelOptions.Method)}", $"must be a method without its own noise, got '{Method}'.");
        return this;
    }

    public static readonly IReadOnlyDictionary<string, NoiseTunnelKind> KindNames = new Dictionary<string, NoiseTunnelKind>
    {
        ["smoothgrad"] = NoiseTunnelKind.SmoothGrad,
        ["smoothgrad_sq"] = NoiseTunnelKind.SmoothGradSquared,
        ["vargrad"] = NoiseTunnelKind.VarGrad,
    };
}

/// <summary>
/// A noise tunnel over any method (Captum's NoiseTunnel): the method's maps of <see cref="NoiseTunnelOptions.Samples"/>
/// noisy copies x + N(0, σ²) of each input, averaged (SmoothGrad, Smilkov et al. 2017), averaged as squares
/// (SmoothGrad²), or their variance (VarGrad, Adebayo et al. 2018). The noise is drawn from the seed's
/// <c>noise-tunnel</c> stream, so the same seed gives the same maps. The maps of noisy inputs have no completeness.
/// </summary>
public static class NoiseTunnel
{
    public const string Name = "smoothgrad";

    public static AttributionResult Compute(AttributionInput input, NoiseTunnelOptions options, Func<AttributionInput, AttributionResult> method)
    {
        options.Validated();
        input.Validated();
        var sw = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var g = Seeds.Generator(options.Seed, "noise-tunnel");
        Tensor? sum = null, squares = null;
        for (int s = 0; s < options.Samples; s++)
        {
            using var step = NewDisposeScope();
            var noisy = input.Inputs + randn(input.Inputs.shape, dtype: input.Inputs.dtype, generator: g) * options.Stdev;
            using var maps = method(input with { Inputs = noisy }).ToTensor();
            var m = maps.to_type(ScalarType.Float64);
            sum = (sum is null ? m.clone() : sum + m).MoveToOuterDisposeScope();
            squares = (squares is null ? m.square() : squares + m.square()).MoveToOuterDisposeScope();
        }
        var mean = sum! / options.Samples;
        var result = options.Kind switch
        {
            NoiseTunnelKind.SmoothGrad => mean,
            NoiseTunnelKind.SmoothGradSquared => squares! / options.Samples,
            _ => squares! / options.Samples - mean.square(),
        };
        return AttributionResult.From(Name, result, null, sw.Elapsed.TotalSeconds);
    }
}
