using MnistLab.Common;
using MnistLab.Models;
using static TorchSharp.torch;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace MnistLab.Analysis.Probes;

/// <summary>A layer's activations for a set of images as probe features (N, d) float32, and how they were reduced.</summary>
public sealed record LayerActivations(string Name, Tensor Features, long[] Shape, string Reduction) : IDisposable
{
    public int Width => (int)Features.shape[1];

    public void Dispose() => Features.Dispose();
}

/// <summary>
/// Reads named points of a model as probe features, in batches so memory stays bounded. A point wider than the limit is
/// reduced as it is read: a feature map (C, H, W) is average-pooled to the finest s x s grid with C s^2 within the limit,
/// anything else (or a map with more channels than the limit) is projected on a seeded Gaussian random matrix, which
/// keeps distances and linear read-outs approximately (Johnson and Lindenstrauss).
/// </summary>
public static class LayerFeatures
{
    /// <summary>The raw pixels (N, 784) of images (N, 1, 28, 28): every table's first baseline.</summary>
    public static LayerActivations Pixels(Tensor images, string name = "pixels")
    {
        using var scope = NewDisposeScope();
        return new LayerActivations(name, images.reshape(images.shape[0], -1).to_type(ScalarType.Float32).DetachFromDisposeScope(), [784], "the 784 pixels");
    }

    public static IReadOnlyList<LayerActivations> Read(Module model, Func<Tensor, Tensor> input, Tensor images, IReadOnlyList<string> points,
        int maxFeatures, long seed, string prefix = "", IProgressSink? progress = null, int batchSize = 500)
    {
        foreach (var p in points) Activations.Find(model, p);
        progress ??= ProgressSink.None;
        long n = images.shape[0];
        var parts = points.ToDictionary(p => p, _ => new List<Tensor>());
        var reducers = new Dictionary<string, (Func<Tensor, Tensor> Reduce, long[] Shape, string Text)>();
        var owned = new List<Tensor>(); // the random projections, kept across batches
        try
        {
            using (var task = progress.Start($"activations of {prefix}{string.Join(", ", points)}", n))
                for (long start = 0; start < n; start += batchSize)
                {
                    using var scope = NewDisposeScope();
                    long m = Math.Min(batchSize, n - start);
                    using var cache = Activations.Run(model, input(images.narrow(0, start, m)), points);
                    foreach (var p in points)
                    {
                        var a = cache[p];
                        if (!reducers.ContainsKey(p)) reducers[p] = Reducer(prefix + p, a.shape[1..], maxFeatures, seed, owned);
                        parts[p].Add(reducers[p].Reduce(a).to_type(ScalarType.Float32).DetachFromDisposeScope());
                    }
                    task.Advance(m);
                }
            return points.Select(p =>
            {
                using var scope = NewDisposeScope();
                return new LayerActivations(prefix + p, cat(parts[p], 0).DetachFromDisposeScope(), reducers[p].Shape, reducers[p].Text);
            }).ToList();
        }
        finally
        {
            foreach (var list in parts.Values) foreach (var t in list) t.Dispose();
            foreach (var t in owned) t.Dispose();
        }
    }

    /// <summary>How activations of one point (per-image shape <paramref name="shape"/>) become at most <paramref name="max"/> features.</summary>
    static (Func<Tensor, Tensor>, long[], string) Reducer(string name, long[] shape, int max, long seed, List<Tensor> owned)
    {
        long width = shape.Aggregate(1L, (a, b) => a * b);
        string dims = string.Join("x", shape);
        if (width <= max) return (a => a.flatten(1), shape, shape.Length == 1 ? $"{width} units" : $"{dims} flattened");
        if (shape.Length == 3 && shape[0] <= max)
        {
            long side = Math.Max(1, (long)Math.Floor(Math.Sqrt((double)max / shape[0])));
            if (side < shape[1] || side < shape[2])
            {
                long h = Math.Min(side, shape[1]), w = Math.Min(side, shape[2]);
                return (a => TorchSharp.torch.nn.functional.adaptive_avg_pool2d(a, [h, w]).flatten(1), shape, $"{dims} average-pooled to {shape[0]}x{h}x{w}");
            }
        }
        using var generator = Seeds.Generator(seed, $"probe/projection/{name}");
        var projection = randn([width, max], dtype: ScalarType.Float32, generator: generator).div_(Math.Sqrt(max)).DetachFromDisposeScope();
        owned.Add(projection);
        return (a => a.flatten(1).to_type(ScalarType.Float32).matmul(projection), shape, $"{dims} ({width}) projected at random to {max}");
    }
}
