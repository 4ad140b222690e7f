using System.Diagnostics;
using MnistLab.Analysis;
using MnistLab.Analysis.Information;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments;
using MnistLab.Experiments.LocalMi;
using MnistLab.Models;
using MnistLab.Training;

namespace MnistLab.Benchmarks;

/// <summary>
/// Seed 002's workloads: the seed-faithful local configuration end to end, one MI pass, the pixel map, and the local
/// rule itself against the seed's. The seed's rule (a Python loop per sample and per neuron) would take the better part
/// of an hour for two layers of two epochs, so both sides time the same first batches of layer 1 and scale them the
/// same way: per batch x batches per epoch x layers x epochs.
/// </summary>
static class LocalMiBench
{
    const int TimedBatches = 20;

    public static object Run(BenchContext c)
    {
        var (mnist, _, peer, threads, _, options, progress) = c;
        using var train = LocalMiExperiment.Flat(mnist.Train, "train");
        using var test = LocalMiExperiment.Flat(mnist.Test, "test");
        var result = new Dictionary<string, object?>();
        var rule = new LocalMiOptions();

        progress.Info("local MI rule, seed-faithful (hard MI, sequential, 2 layers x 2 epochs + readout) ...");
        var sw = Stopwatch.StartNew();
        var (hard, _) = LocalMiExperiment.RunLocal(train, test, rule, 0, new RunContext(progress));
        result["seed_faithful_seconds"] = sw.Elapsed.TotalSeconds;
        result["seed_faithful_layers_seconds"] = hard.Layers.Sum(l => l.Seconds);
        result["seed_faithful_test_acc"] = hard.TestAcc;
        sw.Restart();
        var (soft, _) = LocalMiExperiment.RunLocal(train, test, rule with { Estimator = MiEstimator.Soft }, 0, new RunContext(progress));
        result["soft_sequential_seconds"] = sw.Elapsed.TotalSeconds;
        result["soft_sequential_test_acc"] = soft.TestAcc;

        using var g = Seeds.Generator(0, "bench/layer");
        var layerOut = TorchSharp.torch.randn([train.Count, 16], generator: g);
        double mi16 = Enumerable.Range(0, 5).Select(_ => Stopwatches.Seconds(() => MutualInformation.Hard(layerOut, train.Labels, Binning.Seed, 10))).Min();
        result["mi_16_neurons_60000_seconds"] = mi16;
        double pixel = Enumerable.Range(0, 3).Select(_ => Stopwatches.Seconds(() => MutualInformation.Hard(train.Images, train.Labels, Binning.Width(10, 0, 1), 10))).Min();
        result["pixel_mi_784_seconds"] = pixel;
        layerOut.Dispose();

        double perBatch = RuleSecondsPerBatch(train, rule);
        int batchesPerEpoch = Batches.CountOf(train.Count, rule.BatchSize);
        int scale = batchesPerEpoch * rule.Layers.Count * rule.EpochsPerLayer;
        result["rule_seconds_per_batch_layer1"] = perBatch;
        result["rule_two_layers_two_epochs_seconds_extrapolated"] = perBatch * scale;

        progress.Info($"PyTorch peer: the seed's local rule ({TimedBatches} batches of layer 1) and backprop baseline (1 epoch) ...");
        var (seedRun, report) = Peer.Run(peer, "local_mi_peer.py", threads, options, "--batches", TimedBatches.ToString());
        result["peer"] = report;
        if (seedRun is { } p)
            c.Figures.Ratio("local-mi", "local_rule_speedup_extrapolated", p.Get("local_seconds_per_batch_layer1") / perBatch,
                $"the seed's local rule (hard MI, sequential order), {rule.Layers.Count} layers x {rule.EpochsPerLayer} epochs of {batchesPerEpoch} batches of {rule.BatchSize}, " +
                $"scaled on both sides from the time per batch of the first {TimedBatches} batches of layer 1 (MnistLab's after two whole runs of " +
                "the rule in the process, warm; the peer's the first of its process, read through its DataLoader); the seed's per-neuron Python " +
                $"loops run on one thread, MnistLab's rule on {threads}");
        return result;
    }

    /// <summary>MnistLab's rule on the first <see cref="TimedBatches"/> shuffled batches of layer 1 (784 → 16), seconds per batch.</summary>
    static double RuleSecondsPerBatch(LabeledImages train, LocalMiOptions o)
    {
        using var init = Seeds.Generator(0, "bench/local-rule/init");
        using var layer = new LocalLayer(new LocalLayerSpec((int)train.Images.shape[1], o.Layers[0]), init);
        using var shuffle = Seeds.Generator(0, "bench/local-rule/shuffle");
        using var mix = LocalMiRule.SequentialMix(layer.Neurons, o);
        int done = 0;
        var clock = Stopwatch.StartNew();
        foreach (var (x, y) in Batches.Of(train, o.BatchSize, shuffle))
        {
            LocalMiRule.Step(layer, x, y, o, mix);
            if (++done == TimedBatches) break;
        }
        return clock.Elapsed.TotalSeconds / done;
    }
}
