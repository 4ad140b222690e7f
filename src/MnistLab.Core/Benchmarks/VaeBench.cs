using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Features;
using MnistLab.Models;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Benchmarks;

/// <summary>Seed 004's workloads: concept scores of all 70,000 images, VAE training throughput.</summary>
static class VaeBench
{
    public static object Run(BenchContext c)
    {
        var (mnist, _, peer, threads, _, options, progress) = c;
        var result = new Dictionary<string, object?>();
        progress.Info("concept scores of all 70,000 images ...");
        double All() => Stopwatches.Seconds(() => { Concepts.Compute(mnist.Train.Images).Dispose(); Concepts.Compute(mnist.Test.Images).Dispose(); });
        result["concepts_seconds_cold"] = All();
        double concepts = Enumerable.Range(0, 5).Select(_ => All()).Min();
        result["concepts_seconds"] = concepts;

        progress.Info("VAE training, one epoch ...");
        using var init = Seeds.Generator(0, "vae/init");
        using var vae = new Vae(new VaeSpec(), init);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        VaeTrainer.Train(vae, mnist.Train, 4, new TrainOptions { Epochs = 1, BatchSize = 128 }, progress);
        double epoch = sw.Elapsed.TotalSeconds;
        result["vae_epoch_seconds"] = epoch;
        result["vae_images_per_second"] = mnist.Train.Count / epoch;

        progress.Info("PyTorch peer: the seed's concept scores and VAE (100 batches) ...");
        var (seedRun, report) = Peer.Run(peer, "vae_peer.py", threads, options, "--batches", "100");
        result["peer"] = report;
        if (seedRun is { } p)
        {
            result["concepts_speedup"] = p.Get("concepts_seconds_70000") / concepts;
            result["vae_throughput_speedup"] = (mnist.Train.Count / epoch) / p.Get("vae_images_per_second");
        }
        return result;
    }
}
