using System.Diagnostics;
using static TorchSharp.torch;

namespace MnistLab.Benchmarks;

/// <summary>
/// The machine's practical FLOP ceiling, measured in the same run as the workloads: float32 matmul of
/// two n x n matrices (2 n^3 FLOP each), best of several repeats.
/// </summary>
public static class MatmulCeiling
{
    public static double GflopsPerSecond(int n = 2048, int repeats = 8)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(1);
        var a = randn(n, n, generator: g);
        var b = randn(n, n, generator: g);
        a.matmul(b).Dispose(); // warm-up: thread pool and allocator
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            a.matmul(b).Dispose();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best / 1e9;
    }
}
