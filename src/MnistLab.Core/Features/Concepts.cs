using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Features;

/// <summary>
/// Seed 004's hand-made concept scores, computed on the binarised image (pixels > 0.5), vectorised over
/// a whole data set: size (foreground pixel count), thick (pixels a 3x3 dilation adds), and slant
/// (0.5 * atan2(2 uxy, (uxx - uyy) + 1e-6) from the second central moments).
/// </summary>
public static class Concepts
{
    public static readonly IReadOnlyList<string> Names = ["size", "thick", "slant"];

    /// <summary>(N, 3) float32 scores of images (N, 1, 28, 28), in chunks to bound memory.</summary>
    public static Tensor Compute(Tensor images, int chunk = 10000)
    {
        var parts = new List<Tensor>();
        using var scope = NewDisposeScope();
        for (long start = 0; start < images.shape[0]; start += chunk)
            parts.Add(ComputeChunk(images.narrow(0, start, Math.Min(chunk, images.shape[0] - start))));
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    static Tensor ComputeChunk(Tensor x)
    {
        using var _ = no_grad();
        var b = x.gt(0.5).to_type(ScalarType.Float32); // (N, 1, 28, 28)
        var size = b.sum([1, 2, 3]);

        // A 3x3 convolution of ones counts foreground neighbours: > 0 is the dilation.
        var dil = functional.conv2d(b, ones(1, 1, 3, 3), padding: [1, 1]).gt(0).to_type(ScalarType.Float32);
        var thick = (dil - b).sum([1, 2, 3]);

        // The seed's coordinates: its "xs" runs along dim 2 (rows), its "ys" along dim 3 (columns).
        var xs = arange(28, dtype: ScalarType.Float32).view(1, 1, 28, 1);
        var ys = arange(28, dtype: ScalarType.Float32).view(1, 1, 1, 28);
        var m00 = size + 1e-6f;
        var mx = (b * xs).sum([1, 2, 3]) / m00;
        var my = (b * ys).sum([1, 2, 3]) / m00;
        var xc = xs - mx.view(-1, 1, 1, 1);
        var yc = ys - my.view(-1, 1, 1, 1);
        var uxx = (b * xc.square()).sum([1, 2, 3]) / m00;
        var uyy = (b * yc.square()).sum([1, 2, 3]) / m00;
        var uxy = (b * xc * yc).sum([1, 2, 3]) / m00;
        var slant = atan2(uxy.mul(2), uxx - uyy + 1e-6f).mul(0.5);
        return stack([size, thick, slant], 1);
    }
}
