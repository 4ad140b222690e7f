using MnistLab.Attribution.Graph;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Verification;

/// <summary>
/// Two lines that hold an element-wise activation y = σ(x) between them on its input's bounds [l, u], per element:
/// LowerSlope·x + LowerIntercept ≤ σ(x) ≤ UpperSlope·x + UpperIntercept (every tensor the shape of the activation's input).
/// </summary>
public sealed record ActivationRelaxation(Tensor LowerSlope, Tensor LowerIntercept, Tensor UpperSlope, Tensor UpperIntercept)
{
    /// <summary>
    /// CROWN's relaxation of a ReLU, or of a LeakyReLU max(x, a·x) with 0 ≤ a ≤ 1 (<paramref name="negativeSlope"/> a;
    /// 0 for a ReLU), which is convex: where l ≥ 0 or u ≤ 0 the activation is linear on the bounds and both lines are it;
    /// where l &lt; 0 &lt; u the upper line is the chord through (l, a·l) and (u, u), and the lower line goes through the
    /// origin with slope 1 when u &gt; −l and a otherwise (the one of the two that leaves the smaller area between them).
    /// </summary>
    public static ActivationRelaxation LeakyRelu(Tensor lower, Tensor upper, double negativeSlope)
    {
        double a = negativeSlope;
        var active = lower >= 0;
        var inactive = upper <= 0;
        var unstable = ~(active | inactive);
        // The chord's slope, computed only where u > l; elsewhere a placeholder that the masks below never read.
        var width = where(unstable, upper - lower, ones_like(lower));
        var chord = (upper - a * lower) / width;
        var stableSlope = where(active, ones_like(lower), full_like(lower, a));
        var upperSlope = where(unstable, chord, stableSlope);
        var upperIntercept = where(unstable, lower * (a - chord), zeros_like(lower));
        var adaptive = where(upper > -lower, ones_like(lower), full_like(lower, a));
        var lowerSlope = where(unstable, adaptive, stableSlope);
        return new(lowerSlope, zeros_like(lower), upperSlope, upperIntercept);
    }

    /// <summary>The relaxation of an activation stage; the bound graph refuses every other stage before any bound is computed.</summary>
    internal static ActivationRelaxation Of(Stage stage, Interval input) => stage switch
    {
        ReluStage => LeakyRelu(input.Lower, input.Upper, 0),
        PiecewiseLinearStage p => LeakyRelu(input.Lower, input.Upper, p.SlopeBelow),
        _ => throw new ArgumentException($"{stage.Describe()} is not an element-wise activation."),
    };
}
