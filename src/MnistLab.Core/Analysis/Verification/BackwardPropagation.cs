using MnistLab.Attribution.Graph;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Analysis.Verification;

/// <summary>
/// CROWN's backward pass: a lower bound of Λ·y, y the output of a stage, rewritten as a lower bound Λ'·x + offset in the
/// stage's input x. Affine stages are exact (Λ' = Λ W, the offset takes Λ b); an activation takes its lower line where a
/// coefficient is positive and its upper line where it is negative; max-pooling its own relaxation.
/// </summary>
static class BackwardPropagation
{
    /// <summary>Λ (S, output shape) carried back through <paramref name="stage"/>; <paramref name="record"/> holds its input's shape and relaxation.</summary>
    public static Tensor Back(Stage stage, StageRecord record, Tensor lambda, ref Tensor offset)
    {
        switch (stage)
        {
            case AffineStage { IsConv: false } a:
                if (a.Bias is not null) offset = offset + lambda.matmul(a.Bias);
                return lambda.matmul(a.Weight);
            case AffineStage a:
                return Convolution(a, record.InputShape, lambda, ref offset);
            case NormalizeStage or BatchNormStage or ConstantAffineStage:
                return Elementwise(stage, record.InputShape, lambda, ref offset);
            case ReshapeStage:
                return lambda.reshape([lambda.shape[0], .. record.InputShape[1..]]);
            case ReluStage or PiecewiseLinearStage:
            {
                var r = record.Activation!;
                var pos = lambda.clamp(min: 0);
                var neg = lambda.clamp(max: 0);
                offset = offset + (pos * r.LowerIntercept + neg * r.UpperIntercept).flatten(1).sum(1);
                return pos * r.LowerSlope + neg * r.UpperSlope;
            }
            case MaxPoolStage:
                return record.MaxPool!.Back(lambda, ref offset);
            default:
                return Affine(stage, record.InputShape, lambda, ref offset);
        }
    }

    /// <summary>
    /// A convolution's transpose carries Λ back: the output padding restores the rows and columns a stride left out.
    /// </summary>
    static Tensor Convolution(AffineStage a, long[] inputShape, Tensor lambda, ref Tensor offset)
    {
        var c = a.Conv!;
        if (a.Bias is not null) offset = offset + (lambda.sum([2, 3]) * a.Bias).sum(1);
        long[] kernel = [a.Weight.shape[2], a.Weight.shape[3]];
        long[] outputPadding = [.. Enumerable.Range(0, 2).Select(d =>
            inputShape[2 + d] - ((lambda.shape[2 + d] - 1) * c.Stride[d] - 2 * c.Padding[d] + c.Dilation[d] * (kernel[d] - 1) + 1))];
        return functional.conv_transpose2d(lambda, a.Weight, null, c.Stride, c.Padding, outputPadding, c.Dilation, c.Groups);
    }

    /// <summary>A per-element affine map a·s + t (a normalisation, a BatchNorm, a constant): Λ' = Λ·s, its constant Λ·t.</summary>
    static Tensor Elementwise(Stage stage, long[] inputShape, Tensor lambda, ref Tensor offset)
    {
        var one = zeros([1, .. inputShape[1..]], dtype: ScalarType.Float64);
        var shift = stage.Forward(one);
        var scale = stage.Forward(one + 1) - shift;
        offset = offset + (lambda * shift).flatten(1).sum(1);
        return lambda * scale;
    }

    /// <summary>
    /// Any affine stage f(x) = L x + f(0) (a convolution, a normalisation, pooling by averages, a reshape), applied to each
    /// row: Λ L is the vector-Jacobian product of f at any point, and Λ·f(0) its constant.
    /// </summary>
    static Tensor Affine(Stage stage, long[] inputShape, Tensor lambda, ref Tensor offset)
    {
        // Under α-CROWN's optimisation Λ depends on the slopes: the product then keeps its own graph.
        bool through = lambda.requires_grad;
        using var _ = enable_grad();
        var x = zeros([lambda.shape[0], .. inputShape[1..]], dtype: ScalarType.Float64).requires_grad_(true);
        var y = stage.Forward(x);
        offset = offset + (lambda * y.detach()).flatten(1).sum(1);
        var product = autograd.grad([y], [x], [lambda], create_graph: through)[0];
        return through ? product : product.detach();
    }

    /// <summary>The smallest value of Λ·x + offset over the box <paramref name="box"/>: each coefficient meets the corner that lowers it.</summary>
    public static Tensor Concretize(Tensor lambda, Tensor offset, Interval box) =>
        offset + (lambda.clamp(min: 0) * box.Lower + lambda.clamp(max: 0) * box.Upper).flatten(1).sum(1);
}

/// <summary>What the backward pass needs of a stage, recorded on the way forward: its input's shape and bounds, and its relaxation if it has one.</summary>
sealed record StageRecord(long[] InputShape, Interval Input, ActivationRelaxation? Activation, MaxPoolRelaxation? MaxPool);
