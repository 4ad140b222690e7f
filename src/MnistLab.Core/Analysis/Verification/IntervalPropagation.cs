using MnistLab.Attribution.Graph;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Verification;

/// <summary>
/// Interval bound propagation through one stage: the box of its output from the box of its input. A Linear or Conv2d
/// maps the centre c and radius r to W c + b ± |W| r (exact for the one layer); the monotone stages (activations, pooling,
/// reshapes) map the corners; a per-element affine map whose scale may be negative takes the smaller and the larger image.
/// </summary>
static class IntervalPropagation
{
    public static Interval Step(Stage stage, Interval input) => stage switch
    {
        AffineStage a => Affine(a, input),
        ReluStage or PiecewiseLinearStage or MaxPoolStage or AvgPoolStage or AdaptiveAvgPoolStage or ReshapeStage
            => new(stage.Forward(input.Lower), stage.Forward(input.Upper)),
        NormalizeStage or BatchNormStage or ConstantAffineStage => Elementwise(stage, input),
        _ => throw new ArgumentException($"no interval rule for {stage.Describe()}."),
    };

    static Interval Affine(AffineStage a, Interval input)
    {
        var mid = a.Forward(input.Center);
        var radius = a.Apply(input.Radius, a.Weight.abs(), null);
        return new(mid - radius, mid + radius);
    }

    static Interval Elementwise(Stage stage, Interval input)
    {
        var (low, high) = (stage.Forward(input.Lower), stage.Forward(input.Upper));
        return new(minimum(low, high), maximum(low, high));
    }
}
