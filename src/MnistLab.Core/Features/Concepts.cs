using MnistLab.Common;
using System.Runtime.CompilerServices;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Features;

/// <summary>
/// Seed 004's hand-made concept scores, computed on the binarised image (pixels > 0.5), once per data set
/// in one pass per image: size (foreground pixel count), thick (pixels a 3x3 dilation adds), and slant
/// (0.5 * atan2(2 uxy, (uxx - uyy) + 1e-6) from the second central moments).
/// </summary>
public static class Concepts
{
    public static readonly IReadOnlyList<string> Names = ["size", "thick", "slant"];

    /// <summary>(N, 3) float32 scores of images (N, 1, 28, 28) in [0, 1]: size, thick, slant.</summary>
    public static Tensor Compute(Tensor images)
    {
        if (images.dim() != 4 || images.shape[2] != 28 || images.shape[3] != 28)
            throw new ArgumentException($"expected images of shape (N, 1, 28, 28), got ({string.Join(", ", images.shape)}).");
        int n = (int)images.shape[0];
        var scores = new float[n * 3];
        using var contiguous = images.to_type(ScalarType.Float32).contiguous();
        unsafe
        {
            fixed (byte* raw = contiguous.bytes)
            {
                float* pixels = (float*)raw;
                Parallel.For(0, (n + 1023) / 1024, TorchSetup.Parallel, chunk =>
                {
                    for (int i = chunk * 1024; i < Math.Min(n, chunk * 1024 + 1024); i++)
                        Score(pixels + (long)i * 784, scores.AsSpan(i * 3, 3));
                });
            }
        }
        return tensor(scores, [n, 3]);
    }

    /// <summary>
    /// One pass over one image. Rows become 28-bit masks of foreground (> 0.5): the 3x3 dilation of row r is
    /// the OR of rows r-1..r+1, each spread one bit left and right, and its popcount minus the size is the
    /// seed's thickness. The coordinate sums are exact integers; the seed's central moments
    /// (sum b (x - mx)^2 / m00 and so on, with m00 = size + 1e-6) are formed from them in float64.
    /// </summary>
    // Run 70,000 times once per process: fully optimised from the first call (see Topology).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Score(float* image, Span<float> output)
    {
        Span<uint> rows = stackalloc uint[30]; // rows[1..28]; rows[0] and rows[29] stay empty
        rows.Clear();
        long size = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        for (int x = 0; x < 28; x++) // the seed's x runs along rows (dim 2), y along columns (dim 3)
        {
            uint mask = 0;
            for (int y = 0; y < 28; y++)
            {
                if (!(image[x * 28 + y] > 0.5f)) continue;
                mask |= 1u << y;
                size++; sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
            }
            rows[x + 1] = mask;
        }
        const uint all = (1u << 28) - 1;
        int dilated = 0;
        for (int r = 1; r <= 28; r++)
        {
            uint band = rows[r - 1] | rows[r] | rows[r + 1];
            dilated += System.Numerics.BitOperations.PopCount((band | band << 1 | band >> 1) & all);
        }
        double m00 = size + 1e-6, mx = sx / m00, my = sy / m00;
        double uxx = (sxx - 2 * mx * sx + mx * mx * size) / m00;
        double uyy = (syy - 2 * my * sy + my * my * size) / m00;
        double uxy = (sxy - my * sx - mx * sy + mx * my * size) / m00;
        output[0] = size;
        output[1] = dilated - size;
        output[2] = (float)(0.5 * Math.Atan2(2 * uxy, uxx - uyy + 1e-6));
    }
}
