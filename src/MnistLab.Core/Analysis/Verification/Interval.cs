using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Verification;

/// <summary>
/// Element-wise bounds Lower ≤ v ≤ Upper of a tensor (float64, with a leading batch dimension of 1): an input set, or what
/// bound propagation proves about a layer's values over one.
/// </summary>
public sealed record Interval(Tensor Lower, Tensor Upper)
{
    public Tensor Center => (Lower + Upper) / 2;
    public Tensor Radius => (Upper - Lower) / 2;

    /// <summary>
    /// The L∞ ball of radius <paramref name="eps"/> around <paramref name="x"/> (one input, any shape), clipped to the
    /// pixels' range [0, 1]: the set of images an adversary may draw.
    /// </summary>
    public static Interval Ball(Tensor x, double eps)
    {
        Require.NonNegative(eps, "eps");
        var c = x.to_type(ScalarType.Float64).unsqueeze(0);
        return new((c - eps).clamp(0, 1), (c + eps).clamp(0, 1));
    }

    /// <summary>A box given by its corners (one input each, any shape); every lower corner must be ≤ its upper one.</summary>
    public static Interval Box(Tensor lower, Tensor upper)
    {
        if (!lower.shape.SequenceEqual(upper.shape))
            throw new InvalidOptionException("box", $"box corners must have one shape, got ({string.Join(", ", lower.shape)}) and ({string.Join(", ", upper.shape)}).");
        var l = lower.to_type(ScalarType.Float64).unsqueeze(0);
        var u = upper.to_type(ScalarType.Float64).unsqueeze(0);
        if (!(l <= u).all().item<bool>() || !l.isfinite().all().item<bool>() || !u.isfinite().all().item<bool>())
            throw new InvalidOptionException("box", "box corners must be finite with lower ≤ upper everywhere.");
        return new(l, u);
    }

    /// <summary>How many of the rows of <paramref name="values"/> (N, the bounds' shape without the batch dimension) have an element outside, by more than <paramref name="tolerance"/>.</summary>
    public long CountOutside(Tensor values, double tolerance = 0)
    {
        using var scope = NewDisposeScope();
        var v = values.to_type(ScalarType.Float64).reshape([-1, .. Lower.shape[1..]]);
        return ((v < Lower - tolerance) | (v > Upper + tolerance)).flatten(1).any(1).sum().item<long>();
    }

    /// <summary>This interval kept out of the current dispose scope.</summary>
    internal Interval Keep() => new(Lower.MoveToOuterDisposeScope(), Upper.MoveToOuterDisposeScope());
}
