using System.Diagnostics;
using MnistLab.Analysis;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments;
using MnistLab.Experiments.LocalMi;
using MnistLab.Training;

namespace MnistLab.Benchmarks;

/// <summary>Seed 002's workloads: the seed-faithful local configuration end to end, one MI pass, the pixel map.</summary>
static class LocalMiBench
{
    public static object Run(BenchContext c)
    {
        var (mnist, _, peer, threads, _, options, progress) = c;
        using var train = LocalMiExperiment.Flat(mnist.Train, "train");
        using var test = LocalMiExperiment.Flat(mnist.Test, "test");
        var result = new Dictionary<string, object?>();

        progress.Info("local MI rule, seed-faithful (hard MI, sequential, 2 layers x 2 epochs + readout) ...");
        var sw = Stopwatch.StartNew();
        var (hard, _) = LocalMiExperiment.RunLocal(train, test, new LocalMiOptions(), new RunContext(progress));
        result["seed_faithful_seconds"] = sw.Elapsed.TotalSeconds;
        result["seed_faithful_test_acc"] = hard.TestAcc;
        sw.Restart();
        var (soft, _) = LocalMiExperiment.RunLocal(train, test, new LocalMiOptions { Estimator = MiEstimator.Soft }, new RunContext(progress));
        result["soft_sequential_seconds"] = sw.Elapsed.TotalSeconds;
        result["soft_sequential_test_acc"] = soft.TestAcc;

        using var g = Seeds.Generator(0, "bench/layer");
        var layerOut = TorchSharp.torch.randn([train.Count, 16], generator: g);
        double mi16 = Enumerable.Range(0, 5).Select(_ => Stopwatches.Seconds(() => MutualInformation.Hard(layerOut, train.Labels, new MiBins(), 10))).Min();
        result["mi_16_neurons_60000_seconds"] = mi16;
        double pixel = Enumerable.Range(0, 3).Select(_ => Stopwatches.Seconds(() => MutualInformation.Hard(train.Images, train.Labels, new MiBins(10, 0, 1), 10))).Min();
        result["pixel_mi_784_seconds"] = pixel;
        layerOut.Dispose();

        progress.Info("PyTorch peer: the seed's local rule (20 batches of layer 1) and backprop baseline (1 epoch) ...");
        var (seedRun, report) = Peer.Run(peer, "local_mi_peer.py", threads, options, "--batches", "20");
        result["peer"] = report;
        if (seedRun is { } p)
        {
            result["seed_faithful_speedup"] = p.Get("local_two_layers_two_epochs_seconds_extrapolated") / (double)result["seed_faithful_seconds"]!;
        }
        return result;
    }
}
