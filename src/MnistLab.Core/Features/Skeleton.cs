using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Features;

/// <summary>
/// The one-pixel skeleton of a binarised digit (pixels > 0.5) by Zhang and Suen's (1984) parallel thinning: two
/// sub-iterations remove border pixels that have 2 to 6 foreground neighbours, exactly one background-to-foreground
/// transition around them, and (first) no foreground above-right-below or right-below-left, (second) above-right-left or
/// above-below-left, until nothing changes. A line one pixel wide is its own skeleton.
/// </summary>
public static class Skeleton
{
    const int Side = 28;

    /// <summary>Skeleton pixel counts (the stroke length) of images (N, 1, 28, 28) in [0, 1].</summary>
    public static int[] Lengths(Tensor images, double threshold = Topology.DefaultThreshold)
    {
        if (images.dim() != 4 || images.shape[2] != Side || images.shape[3] != Side)
            throw new ArgumentException($"expected images of shape (N, 1, 28, 28), got ({string.Join(", ", images.shape)}).");
        int n = (int)images.shape[0];
        using var contiguous = images.to_type(ScalarType.Float32).contiguous();
        var pixels = contiguous.data<float>().ToArray();
        var lengths = new int[n];
        Parallel.For(0, n, TorchSetup.Parallel, i =>
        {
            var grid = new bool[Side * Side];
            for (int p = 0; p < grid.Length; p++) grid[p] = pixels[(long)i * grid.Length + p] > threshold;
            lengths[i] = Thin(grid).Count(b => b);
        });
        return lengths;
    }

    /// <summary>The skeleton of a 28x28 row-major foreground mask (a new array).</summary>
    public static bool[] Thin(bool[] mask)
    {
        var g = (bool[])mask.Clone();
        var remove = new List<int>();
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int pass = 0; pass < 2; pass++)
            {
                remove.Clear();
                for (int r = 0; r < Side; r++)
                    for (int c = 0; c < Side; c++)
                    {
                        if (!g[r * Side + c]) continue;
                        // P2..P9 clockwise from the pixel above.
                        bool p2 = At(g, r - 1, c), p3 = At(g, r - 1, c + 1), p4 = At(g, r, c + 1), p5 = At(g, r + 1, c + 1);
                        bool p6 = At(g, r + 1, c), p7 = At(g, r + 1, c - 1), p8 = At(g, r, c - 1), p9 = At(g, r - 1, c - 1);
                        bool[] ring = [p2, p3, p4, p5, p6, p7, p8, p9, p2];
                        int neighbours = ring.Take(8).Count(b => b), transitions = 0;
                        for (int k = 0; k < 8; k++) if (!ring[k] && ring[k + 1]) transitions++;
                        if (neighbours < 2 || neighbours > 6 || transitions != 1) continue;
                        bool keep = pass == 0 ? (p2 && p4 && p6) || (p4 && p6 && p8) : (p2 && p4 && p8) || (p2 && p6 && p8);
                        if (!keep) remove.Add(r * Side + c);
                    }
                foreach (int p in remove) g[p] = false;
                changed |= remove.Count > 0;
            }
        }
        return g;
    }

    static bool At(bool[] g, int r, int c) => r >= 0 && r < Side && c >= 0 && c < Side && g[r * Side + c];
}
