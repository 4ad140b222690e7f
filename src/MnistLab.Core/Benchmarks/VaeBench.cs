using MnistLab.Common;
using MnistLab.Features;
using MnistLab.Models;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Benchmarks;

/// <summary>
/// Seed 004's workloads: concept scores of all 70,000 images (warm: fastest of several, on both sides), and one whole
/// epoch of VAE training, the first of its process (cold on both sides).
/// </summary>
static class VaeBench
{
    public static object Run(BenchContext c)
    {
        var (mnist, _, peer, threads, ceiling, options, progress) = c;
        var result = new Dictionary<string, object?>();
        int all = mnist.Train.Count + mnist.Test.Count;
        progress.Info($"concept scores of all {all:N0} images ...");
        double All() => Stopwatches.Seconds(() => { Concepts.Compute(mnist.Train.Images).Dispose(); Concepts.Compute(mnist.Test.Images).Dispose(); });
        double cold = All();
        result["concepts_seconds_cold"] = cold;
        double concepts = Math.Min(cold, Enumerable.Range(0, 2).Select(_ => All()).Min()); // three calls, the first included, as the peer
        result["concepts_seconds"] = concepts;

        progress.Info("VAE training, one epoch ...");
        using var init = Seeds.Generator(0, "vae/init");
        using var vae = new Vae(new VaeSpec(), init);
        double gflop = FlopCounter.Count(vae, zeros(1, 1, 28, 28)).TrainFlop / 1e9;
        using (var warmInit = Seeds.Generator(0, "vae/warm-up"))
        using (var warm = new Vae(new VaeSpec(), warmInit))
        using (var index = arange(10 * 128, dtype: ScalarType.Int64))
        using (var first = mnist.Train.Subset(index, "warm-up"))
            VaeTrainer.Train(warm, first, 4, new TrainOptions { Epochs = 1, BatchSize = 128 }); // 10 untimed steps, as the peer
        var sw = System.Diagnostics.Stopwatch.StartNew();
        VaeTrainer.Train(vae, mnist.Train, 4, new TrainOptions { Epochs = 1, BatchSize = 128 }, progress);
        double epoch = sw.Elapsed.TotalSeconds;
        result["vae_epoch_seconds"] = epoch;
        result["vae_images_per_second"] = mnist.Train.Count / epoch;

        progress.Info("PyTorch peer: the seed's concept scores (3 times) and one VAE epoch ...");
        var (seedRun, report) = Peer.Run(peer, "vae_peer.py", threads, options);
        result["peer"] = report;
        c.Figures.Share("vae-probe", "VAE training (batch 128)", mnist.Train.Count / epoch, gflop, ceiling,
            seedRun is { } r ? r.Get("vae_images_per_second") : null);
        if (seedRun is { } p)
        {
            c.Figures.Ratio("vae-probe", "concepts_speedup", p.Get("concepts_seconds_70000") / concepts,
                $"concept scores (size, thickness, slant) of all {all:N0} images; fastest of three calls, the first included, on both sides");
            c.Figures.Ratio("vae-probe", "vae_epoch_speedup", p.Get("vae_epoch_seconds") / epoch,
                $"one epoch of VAE training on {mnist.Train.Count:N0} images, batch 128, shuffled batches gathered from tensors in memory on both sides; " +
                "after 10 untimed steps of a throwaway model on both sides (warm)");
        }
        return result;
    }
}
