using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments.Fast;
using MnistLab.Models;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Benchmarks;

/// <summary>
/// The speed run's workload: one training of its recipe (<see cref="FastOptions"/>) on the whole training set, on both
/// sides after a few untimed steps of a throw-away model (warm against warm), timed from the first step to the last.
/// MnistLab and the peer (bench/peers/fast_peer.py: the same network, data, optimiser, schedule and epochs in plain
/// PyTorch) alternate for several rounds, each round with its own seed; the figure is the median of the per-round
/// ratios of their training times.
/// </summary>
static class FastBench
{
    const int Rounds = 5, WarmupSteps = 10;

    public static object Run(BenchContext c)
    {
        var (mnist, _, peer, threads, ceiling, options, progress) = c;
        var recipe = new FastOptions { Seeds = 1, EvalsPerEpoch = 1 };
        var (mean, std) = FastExperiment.MeanStd(mnist.Train.Images);
        using var train = FastExperiment.Standardised(mnist.Train, mean, std);
        using var test = FastExperiment.Standardised(mnist.Test, mean, std);
        double gflop;
        using (var probe = new FastCnn()) gflop = FlopCounter.Count(probe, train.Images.narrow(0, 0, 1)).TrainFlop / 1e9;
        double images = (double)recipe.Epochs * train.Count;

        var ours = new List<(double Seconds, double TestAcc)>();
        var peers = new List<(double Seconds, double TestAcc)>();
        object? peerReport = null;
        string? peerTorch = null;
        for (int round = 1; round <= Rounds; round++)
        {
            progress.Info($"speed run, round {round}/{Rounds}: {recipe.Epochs} epoch(s) of {train.Count:N0} images ...");
            Warm(train, recipe);
            ours.Add(Train(train, test, recipe, round, progress));
            if (!options.Peers) continue;
            var (peerRun, report) = Peer.Run(peer, "fast_peer.py", threads, options,
                "--epochs", recipe.Epochs.ToString(), "--batch", recipe.BatchSize.ToString(), "--warmup", WarmupSteps.ToString(), "--seed", round.ToString());
            peerReport = report;
            if (peerRun is { } p)
            {
                var run = p.GetProperty("runs")[0];
                peerTorch = p.GetProperty("torch").GetString();
                peers.Add((run.Get("train_seconds"), run.Get("test_acc")));
            }
        }

        double seconds = Stats.Median(ours.Select(o => o.Seconds).ToList());
        var result = new Dictionary<string, object?>
        {
            ["train_seconds"] = seconds,
            ["train_seconds_rounds"] = ours.Select(o => o.Seconds),
            ["test_acc_rounds"] = ours.Select(o => o.TestAcc),
            ["images_per_second"] = images / seconds,
            ["gflop_per_image"] = gflop,
            ["fraction_of_ceiling"] = images / seconds * gflop / ceiling,
            ["peer"] = peers.Count == 0 ? peerReport : new
            {
                train_seconds = Stats.Median(peers.Select(p => p.Seconds).ToList()),
                train_seconds_rounds = peers.Select(p => p.Seconds),
                test_acc_rounds = peers.Select(p => p.TestAcc),
                images_per_second = images / Stats.Median(peers.Select(p => p.Seconds).ToList()),
            },
        };
        double? peerIps = peers.Count == 0 ? null : images / Stats.Median(peers.Select(p => p.Seconds).ToList());
        c.Figures.Share("fast", "speed run CNN training (batch 256)", images / seconds, gflop, ceiling, peerIps);
        if (peers.Count == ours.Count)
        {
            var ratios = peers.Zip(ours, (p, o) => p.Seconds / o.Seconds).ToList();
            result["speedup_rounds"] = ratios;
            result["speedup"] = Stats.Median(ratios);
            c.Figures.Ratio("fast", "speedup", Stats.Median(ratios),
                $"the speed run's recipe ({recipe.Epochs} epochs of {train.Count:N0} images, batch {recipe.BatchSize}), training time after {WarmupSteps} untimed steps " +
                $"(warm on both sides); median of {Rounds} alternating rounds; " + PythonPeer.Kernels(peerTorch));
        }
        return result;
    }

    /// <summary>A few steps of a throw-away model, so libtorch's kernels and the JIT are ready before the clock starts (the peer does the same).</summary>
    static void Warm(LabeledImages train, FastOptions recipe)
    {
        using var order = arange(recipe.BatchSize * WarmupSteps, dtype: ScalarType.Int64);
        using var part = train.Subset(order, "warm-up");
        using var model = new FastCnn(new Generator(12345));
        using var training = new FastTraining(model, part, part, recipe with { Epochs = 1, EvalsPerEpoch = 1 }, seed: -1);
        foreach (var _ in training.Epoch(1)) { }
    }

    static (double Seconds, double TestAcc) Train(LabeledImages train, LabeledImages test, FastOptions recipe, int round, IProgressSink progress)
    {
        using var init = Seeds.Generator(round, "cnn/init");
        using var model = new FastCnn(init);
        using var training = new FastTraining(model, train, test, recipe, round);
        TrainingLoop.Run(training, null, progress);
        return (training.State.TrainSeconds, training.State.Curve[^1].TestAcc);
    }
}
