using MnistLab.Common;
using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace MnistLab.Features;

/// <summary>
/// Topological features of each image, computed once per data set (never per item per epoch).
/// <c>Ring</c> is seed 000's feature: 1 when some background pixel cannot be reached from the border by a
/// 4-connected flood fill. <c>Holes</c> counts those enclosed background components, and <c>Euler</c> is
/// foreground components (8-connected) minus holes.
/// </summary>
public sealed record TopologyFeatures(byte[] Ring, int[] Holes, int[] Euler)
{
    public int Count => Ring.Length;
}

public static class Topology
{
    /// <summary>Seed 000's threshold: a pixel is foreground when its intensity is strictly above 0.5.</summary>
    public const double DefaultThreshold = 0.5;

    const int Side = 28, Padded = Side + 2, Cells = Padded * Padded;

    /// <summary>Features of every image in <paramref name="images"/> (N, 1, 28, 28) with values in [0, 1].</summary>
    public static TopologyFeatures Compute(Tensor images, double threshold = DefaultThreshold)
    {
        if (images.dim() != 4 || images.shape[2] != Side || images.shape[3] != Side)
            throw new ArgumentException($"expected images of shape (N, 1, 28, 28), got ({string.Join(", ", images.shape)}).");
        int n = (int)images.shape[0];
        var ring = new byte[n];
        var holes = new int[n];
        var euler = new int[n];
        using var contiguous = images.to_type(ScalarType.Float32).contiguous();
        unsafe
        {
            // Threshold straight from the tensor's memory into each padded grid: no intermediate mask array.
            fixed (byte* raw = contiguous.bytes)
            {
                float* pixels = (float*)raw;
                float t = (float)threshold;
                // Chunks of images per task: one task per image would cost more in scheduling than the work.
                Parallel.For(0, (n + 511) / 512, TorchSetup.Parallel, () => new Scratch(), (chunk, _, s) =>
                {
                    Images(pixels, chunk * 512, Math.Min(n, chunk * 512 + 512), t, s, ring, holes, euler);
                    return s;
                }, _ => { });
            }
        }
        return new TopologyFeatures(ring, holes, euler);
    }

    // The per-image kernels below run 70,000 times in one call, once per process: compiled fully optimised
    // from the start (AggressiveOptimization), they skip the slow first tier and the background re-JIT that
    // otherwise competes with the parallel loop for the cores (about 2x on the first call with two cores).

    sealed class Scratch
    {
        public readonly byte[] Grid = new byte[Cells]; // the image inside one ring of background padding
        public readonly bool[] Seen = new bool[Cells];
        public readonly int[] Stack = new int[Cells];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Images(float* pixels, int start, int end, float threshold, Scratch s, byte[] ring, int[] holes, int[] euler)
    {
        for (int i = start; i < end; i++)
        {
            Pad(pixels + (long)i * Side * Side, threshold, s.Grid);
            holes[i] = Holes(s);
            ring[i] = (byte)(holes[i] > 0 ? 1 : 0);
            euler[i] = Euler8(s.Grid);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Pad(float* image, float threshold, byte[] grid)
    {
        for (int r = 0; r < Side; r++)
        {
            int row = (r + 1) * Padded + 1;
            for (int c = 0; c < Side; c++)
                grid[row + c] = (byte)(image[r * Side + c] > threshold ? 1 : 0);
        }
    }

    /// <summary>
    /// Enclosed background components. With the padding, all border background is one component with
    /// the padding itself (the seed's flood fill from every border pixel, 4-connected); every other
    /// background component is a hole.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static int Holes(Scratch s)
    {
        var grid = s.Grid;
        var seen = s.Seen;
        Array.Clear(seen);
        Flood(0, s);
        int holes = 0;
        for (int p = Padded + 1; p < Cells - Padded - 1; p++)
            if (grid[p] == 0 && !seen[p])
            {
                holes++;
                Flood(p, s);
            }
        return holes;
    }

    /// <summary>4-connected flood over background cells from <paramref name="start"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Flood(int start, Scratch s)
    {
        var grid = s.Grid;
        var seen = s.Seen;
        var stack = s.Stack;
        int top = 0;
        stack[top++] = start;
        seen[start] = true;
        while (top > 0)
        {
            int p = stack[--top];
            // p +- 1 may wrap between rows only from a padding column, and padding is all background and all
            // outer, so a wrap never joins two components that are not already joined.
            Visit(p - 1); Visit(p + 1); Visit(p - Padded); Visit(p + Padded);
        }

        void Visit(int q)
        {
            if ((uint)q >= Cells || seen[q] || grid[q] != 0) return;
            seen[q] = true;
            stack[top++] = q;
        }
    }

    /// <summary>
    /// Euler number of the foreground with 8-connectivity (components minus holes) by Gray's bit-quad
    /// count over every 2x2 window of the padded grid: E = (Q1 - Q3 - 2 QD) / 4, where Q1 and Q3 count
    /// windows with one and three foreground pixels and QD windows with two on a diagonal.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static int Euler8(byte[] grid)
    {
        int q1 = 0, q3 = 0, qd = 0;
        for (int r = 0; r < Padded - 1; r++)
        {
            int row = r * Padded;
            for (int c = 0; c < Padded - 1; c++)
            {
                int a = grid[row + c], b = grid[row + c + 1], d = grid[row + Padded + c], e = grid[row + Padded + c + 1];
                switch (a + b + d + e)
                {
                    case 1: q1++; break;
                    case 3: q3++; break;
                    case 2 when a == e: qd++; break; // a and e set (or b and d): a diagonal pair
                }
            }
        }
        return (q1 - q3 - 2 * qd) / 4;
    }
}
