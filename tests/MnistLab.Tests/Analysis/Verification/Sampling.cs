using MnistLab.Analysis.Verification;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Verification;

/// <summary>
/// The soundness check of proved bounds: points drawn from the input set (uniformly, and at random corners, where a
/// network's extremes tend to lie) must never leave them.
/// </summary>
static class Sampling
{
    /// <summary><paramref name="count"/> points of <paramref name="box"/>: half uniform inside, half random corners.</summary>
    public static Tensor Points(Interval box, int count, ulong seed)
    {
        using var g = new Generator(seed);
        var shape = box.Lower.shape[1..];
        int half = count / 2;
        var uniform = rand([half, .. shape], dtype: ScalarType.Float64, generator: g);
        var corners = (rand([count - half, .. shape], dtype: ScalarType.Float64, generator: g) < 0.5).to_type(ScalarType.Float64);
        var t = cat([uniform, corners], 0);
        return box.Lower + t * (box.Upper - box.Lower);
    }

    /// <summary>How many of the points' outputs leave the proved output bounds or go below a proved margin bound.</summary>
    public static long Violations(BoundGraph graph, Interval box, Interval outputs, MarginBounds margins, Tensor points)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var y = graph.Layers.Forward(points);
        // 1e-9: the sampled forward pass and the bounds round differently in float64.
        long outside = outputs.CountOutside(y, 1e-9);
        var margin = y[TensorIndex.Colon, margins.Label].unsqueeze(1) - y;
        var proved = tensor(margins.Lower.Select((v, j) => j == margins.Label ? double.NegativeInfinity : v).ToArray()).unsqueeze(0);
        long below = (margin < proved - 1e-9).any(1).sum().item<long>();
        return outside + below;
    }
}
