using MnistLab.Attribution.Graph;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Analysis.Verification;

/// <summary>
/// A linear relaxation of max-pooling on its input's bounds, per window: below, y ≥ x_j for the element j with the largest
/// lower bound; above, y = x_j when that element's lower bound is at least every other element's upper bound (it is then
/// always the maximum), and y ≤ max u otherwise. Windows are read as strided views of a copy padded with −∞, as max-pooling pads.
/// </summary>
sealed class MaxPoolRelaxation
{
    readonly MaxPoolStage _pool;
    readonly long[] _inputShape;   // (1, C, H, W)
    readonly long _paddedH, _paddedW;
    readonly Tensor _chosen;        // (C, 1, L): the window's element with the largest lower bound, as an index into its K elements
    readonly Tensor _dominant;      // (C, L): that element is always the maximum
    readonly Tensor _upperMax;      // (C, L): the largest upper bound in the window

    public MaxPoolRelaxation(MaxPoolStage pool, Interval input)
    {
        _pool = pool;
        _inputShape = input.Lower.shape;
        _paddedH = _inputShape[2] + 2 * pool.Padding[0];
        _paddedW = _inputShape[3] + 2 * pool.Padding[1];
        var (lw, uw) = (Windows(input.Lower), Windows(input.Upper)); // (C, K, L)
        // The first of the elements with the largest lower bound (ties are common: a ReLU before the pool leaves many at 0),
        // chosen explicitly so that the choice does not rest on how argmax breaks ties.
        long k = lw.shape[1];
        var first = arange(k, 0, -1, dtype: ScalarType.Float64).view(1, -1, 1);
        var chosen = ((lw == lw.max(1, keepdim: true).values).to_type(ScalarType.Float64) * first).argmax(1, keepdim: true);
        var chosenLower = lw.gather(1, chosen).squeeze(1);
        var othersUpper = uw.scatter(1, chosen, full_like(chosen, double.NegativeInfinity, dtype: ScalarType.Float64)).max(1).values;
        _chosen = chosen;
        _dominant = chosenLower >= othersUpper;
        _upperMax = uw.max(1).values;
    }

    /// <summary>(C, K, L): each output's window of the one input <paramref name="a"/> (1, C, H, W), −∞ in the padding.</summary>
    Tensor Windows(Tensor a)
    {
        var padded = functional.pad(a, [_pool.Padding[1], _pool.Padding[1], _pool.Padding[0], _pool.Padding[0]], TorchSharp.PaddingModes.Constant, double.NegativeInfinity);
        return stack(Offsets().Select(o => padded[Window(o)].reshape(a.shape[1], -1)), 1);
    }

    /// <summary>The window elements' offsets (row, column) within the kernel, in unfold's order.</summary>
    IEnumerable<(long Row, long Col)> Offsets()
    {
        for (long i = 0; i < _pool.Kernel[0]; i++)
            for (long j = 0; j < _pool.Kernel[1]; j++) yield return (i, j);
    }

    /// <summary>The elements of the padded input that the kernel's element <paramref name="o"/> reads, one per output position (a strided view).</summary>
    TensorIndex[] Window((long Row, long Col) o)
    {
        long outH = (_paddedH - _pool.Dilation[0] * (_pool.Kernel[0] - 1) - 1) / _pool.Stride[0] + 1;
        long outW = (_paddedW - _pool.Dilation[1] * (_pool.Kernel[1] - 1) - 1) / _pool.Stride[1] + 1;
        long r0 = o.Row * _pool.Dilation[0], c0 = o.Col * _pool.Dilation[1];
        return [TensorIndex.Colon, TensorIndex.Colon,
            TensorIndex.Slice(r0, r0 + (outH - 1) * _pool.Stride[0] + 1, _pool.Stride[0]),
            TensorIndex.Slice(c0, c0 + (outW - 1) * _pool.Stride[1] + 1, _pool.Stride[1])];
    }

    /// <summary>
    /// The coefficients of a lower bound Λ·y carried to the pool's input: (S, C, H, W); the constants it leaves are added to
    /// <paramref name="offset"/> (S).
    /// </summary>
    public Tensor Back(Tensor lambda, ref Tensor offset)
    {
        long s = lambda.shape[0], c = _inputShape[1];
        var flat = lambda.reshape(s, c, -1);                      // (S, C, L)
        var pos = flat.clamp(min: 0);
        var neg = flat.clamp(max: 0);
        var dominant = _dominant.unsqueeze(0);
        var coefficient = pos + where(dominant, neg, zeros_like(neg));
        offset = offset + where(dominant, zeros_like(neg), neg * _upperMax.unsqueeze(0)).sum([1, 2]);
        long k = _pool.Kernel[0] * _pool.Kernel[1], l = flat.shape[2];
        var windows = zeros([s, c, k, l], dtype: ScalarType.Float64)
            .scatter(2, _chosen.unsqueeze(0).expand(s, c, 1, l), coefficient.unsqueeze(2));
        // Each kernel element adds its share back where it read (windows may overlap), as fold would.
        var padded = zeros([s, c, _paddedH, _paddedW], dtype: ScalarType.Float64);
        int e = 0;
        foreach (var o in Offsets())
        {
            var view = padded[Window(o)];
            view.add_(windows.select(2, e++).reshape(view.shape));
        }
        return padded.narrow(2, _pool.Padding[0], _inputShape[2]).narrow(3, _pool.Padding[1], _inputShape[3]);
    }
}
