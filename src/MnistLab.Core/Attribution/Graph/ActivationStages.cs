using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution.Graph;

/// <summary>
/// An element-wise activation that is linear on pieces: slope 1 between <see cref="Low"/> and <see cref="High"/>, and
/// outside them <see cref="SlopeBelow"/> / <see cref="SlopeAbove"/> (LeakyReLU, ReLU6). Exact Integrated
/// Gradients walks it as it walks a ReLU, with a pattern change wherever the path crosses a corner.
/// </summary>
sealed class PiecewiseLinearStage(string name, double low, double high, double slopeBelow, double slopeAbove) : Stage
{
    public double Low { get; } = low;
    public double High { get; } = high;
    public double SlopeBelow { get; } = slopeBelow;
    public double SlopeAbove { get; } = slopeAbove;

    public static PiecewiseLinearStage LeakyRelu(double negativeSlope) => new($"leakyrelu {negativeSlope:G3}", 0, double.PositiveInfinity, negativeSlope, 1);

    public static PiecewiseLinearStage Clamp(string name, double min, double max) => new(name, min, max, 0, 0);

    public override string Describe() => name;

    public override Tensor Forward(Tensor a)
    {
        // Written from the corners so that every variant is the same expression: identity inside, the outer slopes beyond.
        var below = (a - Low).clamp(max: 0);
        var above = double.IsPositiveInfinity(High) ? zeros_like(a) : (a - High).clamp(min: 0);
        return a.clamp(Low, High) + SlopeBelow * below + SlopeAbove * above;
    }
}

/// <summary>
/// A smooth element-wise activation (Tanh, Sigmoid, GELU, ELU, SiLU, Softplus): LRP passes relevance through it unchanged,
/// as Zennit's composites pass every activation; exact Integrated Gradients refuses it (no linear pieces to walk).
/// </summary>
sealed class SmoothActivationStage(string name, Func<Tensor, Tensor> forward) : Stage
{
    public string Name { get; } = name;
    public override string Describe() => Name;
    public override Tensor Forward(Tensor a) => forward(a);
}

/// <summary>
/// An element-wise operation with a constant (an imported graph's x + c, x − c, x · c, x / c, as an input normalisation
/// is exported): affine, so exact IG carries the tangent through its linear part, and LRP passes relevance as it does
/// through a normalisation.
/// </summary>
sealed class ConstantAffineStage(string op, Tensor constant) : Stage
{
    readonly Tensor _c = constant.detach().to_type(ScalarType.Float64).clone();

    public override string Describe() => $"{op.ToLowerInvariant()} constant";

    /// <summary>The stage applied to a number, when its constant is one number (null otherwise).</summary>
    public double? ApplyScalar(double v)
    {
        if (_c.numel() != 1) return null;
        double c = _c.item<double>();
        return op switch { "Add" => v + c, "Sub" => v - c, "Mul" => v * c, _ => v / c };
    }

    public override Tensor Forward(Tensor a) => op switch
    {
        "Add" => a + Cast(_c, a),
        "Sub" => a - Cast(_c, a),
        "Mul" => a * Cast(_c, a),
        _ => a / Cast(_c, a),
    };

    /// <summary>The map without its shift, for a tangent.</summary>
    public Tensor Linear(Tensor t) => op switch
    {
        "Mul" => t * Cast(_c, t),
        "Div" => t / Cast(_c, t),
        _ => t,
    };
}
