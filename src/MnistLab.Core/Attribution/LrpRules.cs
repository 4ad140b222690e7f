using MnistLab.Attribution.Graph;
using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Attribution;

/// <summary>
/// How an LRP rule redistributes the relevance r of a Linear or Conv2d layer's outputs onto its input a (Bach et al. 2015;
/// Montavon et al. 2019, "Layer-wise relevance propagation: an overview"), as Zennit's rules do: each computes
/// z from modified weights and inputs, s = r / stabilise(z), and the input relevance from the transposed modified weights.
/// </summary>
public abstract record LrpRule
{
    /// <summary>Zennit's default stabiliser for every rule but ε.</summary>
    public const double Stabilizer = 1e-6;

    /// <summary>r / (z + ε·sign(z)) with sign(0) = 1, as Zennit stabilises; 0 where the denominator is 0 (LRP-0 at a dead unit).</summary>
    internal static Tensor Divide(Tensor r, Tensor z, double epsilon)
    {
        var stab = z + where(z >= 0, epsilon, -epsilon);
        return where(stab.eq(0), zeros_like(r), r / stab);
    }

    internal abstract Tensor Apply(AffineStage layer, Tensor a, Tensor r);

    /// <summary>Wᵀ s for the layer's input shape: the gradient of W a with respect to a, given the output gradient s.</summary>
    static Tensor Transpose(AffineStage layer, Tensor s, Tensor w, long[] inputShape)
    {
        if (!layer.IsConv) return s.matmul(Stage.Cast(w, s));
        using var _ = enable_grad();
        var leaf = zeros(inputShape, dtype: s.dtype).requires_grad_(true);
        return autograd.grad([layer.Apply(leaf, w, null)], [leaf], [s])[0].detach();
    }

    static Tensor Pos(Tensor t) => t.clamp(min: 0);
    static Tensor Neg(Tensor t) => t.clamp(max: 0);

    /// <summary>ε rule (LRP-ε; ε = 0 is LRP-0): R_in = a ⊙ Wᵀ (r / (Wa + b + ε)).</summary>
    public sealed record Epsilon(double Eps) : LrpRule
    {
        internal override Tensor Apply(AffineStage l, Tensor a, Tensor r) =>
            a * Transpose(l, Divide(r, l.Apply(a, l.Weight, l.Bias), Eps), l.Weight, a.shape);
    }

    /// <summary>γ rule: weights W + γW⁺ (and bias b + γb⁺) favour positive contributions.</summary>
    public sealed record Gamma(double G) : LrpRule
    {
        internal override Tensor Apply(AffineStage l, Tensor a, Tensor r)
        {
            var w = l.Weight + G * Pos(l.Weight);
            var b = l.Bias is null ? null : l.Bias + G * Pos(l.Bias);
            return a * Transpose(l, Divide(r, l.Apply(a, w, b), Stabilizer), w, a.shape);
        }
    }

    /// <summary>z⁺ rule (αβ with α = 1, β = 0): only positive contributions W⁺a⁺ + W⁻a⁻ (+ b⁺) carry relevance.</summary>
    public sealed record ZPlus : LrpRule
    {
        internal override Tensor Apply(AffineStage l, Tensor a, Tensor r)
        {
            Tensor wp = Pos(l.Weight), wn = Neg(l.Weight), ap = Pos(a), an = Neg(a);
            var z = l.Apply(ap, wp, l.Bias is null ? null : Pos(l.Bias)) + l.Apply(an, wn, null);
            var s = Divide(r, z, Stabilizer);
            return ap * Transpose(l, s, wp, a.shape) + an * Transpose(l, s, wn, a.shape);
        }
    }

    /// <summary>αβ rule (α − β = 1): positive contributions weighted by α, negative by β.</summary>
    public sealed record AlphaBeta(double Alpha, double Beta) : LrpRule
    {
        internal override Tensor Apply(AffineStage l, Tensor a, Tensor r)
        {
            Tensor wp = Pos(l.Weight), wn = Neg(l.Weight), ap = Pos(a), an = Neg(a);
            var zp = l.Apply(ap, wp, l.Bias is null ? null : Pos(l.Bias)) + l.Apply(an, wn, null);
            var zn = l.Apply(ap, wn, l.Bias is null ? null : Neg(l.Bias)) + l.Apply(an, wp, null);
            Tensor sp = Divide(r, zp, Stabilizer), sn = Divide(r, zn, Stabilizer);
            var positive = ap * Transpose(l, sp, wp, a.shape) + an * Transpose(l, sp, wn, a.shape);
            var negative = ap * Transpose(l, sn, wn, a.shape) + an * Transpose(l, sn, wp, a.shape);
            return Alpha * positive - Beta * negative;
        }
    }

    /// <summary>Flat rule: relevance spread evenly over each output's receptive field (weights and inputs set to 1).</summary>
    public sealed record Flat : LrpRule
    {
        internal override Tensor Apply(AffineStage l, Tensor a, Tensor r)
        {
            var w = ones_like(l.Weight);
            return Transpose(l, Divide(r, l.Apply(ones_like(a), w, null), Stabilizer), w, a.shape);
        }
    }

    /// <summary>z^B rule for inputs bounded in [Low, High] (pixels): R_in = a⊙Wᵀs − l⊙W⁺ᵀs − h⊙W⁻ᵀs.</summary>
    public sealed record ZBox(double Low, double High) : LrpRule
    {
        internal override Tensor Apply(AffineStage l, Tensor a, Tensor r)
        {
            Tensor wp = Pos(l.Weight), wn = Neg(l.Weight), lo = full_like(a, Low), hi = full_like(a, High);
            var z = l.Apply(a, l.Weight, null) - l.Apply(lo, wp, null) - l.Apply(hi, wn, null);
            var s = Divide(r, z, Stabilizer);
            return a * Transpose(l, s, l.Weight, a.shape) - lo * Transpose(l, s, wp, a.shape) - hi * Transpose(l, s, wn, a.shape);
        }
    }
}

/// <summary>
/// Rules composed by layer type, as Zennit's composites: the first Linear/Conv2d layer (which reads the pixels), the other
/// convolutions, and the fully connected layers. Activations pass relevance on, max-pooling routes it to the winner,
/// residual sums and average pooling share it in proportion (Norm rule), a BatchNorm after a Linear/Conv2d is folded into it.
/// </summary>
public sealed record LrpComposite(string Name, LrpRule First, LrpRule Conv, LrpRule Linear, double Epsilon)
{
    public static readonly IReadOnlyList<string> Names = ["epsilon-gamma-box", "epsilon-plus-flat", "epsilon-plus", "epsilon-alpha2-beta1", "epsilon-alpha2-beta1-flat", "epsilon", "zero"];

    /// <summary>The composite called <paramref name="name"/> with Zennit's defaults for its parameters unless given.</summary>
    public static LrpComposite Create(string name, double epsilon = 1e-6, double gamma = 0.25, double low = 0, double high = 1)
    {
        var eps = new LrpRule.Epsilon(epsilon);
        return name switch
        {
            "epsilon-gamma-box" => new(name, new LrpRule.ZBox(low, high), new LrpRule.Gamma(gamma), eps, epsilon),
            "epsilon-plus-flat" => new(name, new LrpRule.Flat(), new LrpRule.ZPlus(), eps, epsilon),
            "epsilon-plus" => new(name, null!, new LrpRule.ZPlus(), eps, epsilon),
            "epsilon-alpha2-beta1" => new(name, null!, new LrpRule.AlphaBeta(2, 1), eps, epsilon),
            "epsilon-alpha2-beta1-flat" => new(name, new LrpRule.Flat(), new LrpRule.AlphaBeta(2, 1), eps, epsilon),
            "epsilon" => new(name, null!, eps, eps, epsilon),
            "zero" => new(name, null!, new LrpRule.Epsilon(0), new LrpRule.Epsilon(0), 0),
            _ => throw new InvalidOptionException($"{nameof(LrpOptions)}.{nameof(LrpOptions.Composite)}", $"no LRP composite '{name}'; the composites are {string.Join(", ", Names)}."),
        };
    }

    internal LrpRule RuleFor(AffineStage layer) => layer.IsFirst && First is not null ? First : layer.IsConv ? Conv : Linear;
}
