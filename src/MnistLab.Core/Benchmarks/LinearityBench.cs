using System.Diagnostics;
using System.Text.Json;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments;
using MnistLab.Experiments.Linearity;
using MnistLab.Models;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Benchmarks;

/// <summary>
/// Seed 003's workloads: the IDX load, the whole default linearity run (cold, as a user meets it), each model's
/// training throughput (warm), and the seed's way of doing the same in PyTorch.
/// </summary>
static class LinearityBench
{
    public static object Run(BenchContext c)
    {
        var (mnist, files, peer, threads, ceiling, options, progress) = c;
        var report = new Dictionary<string, object?>();
        progress.Info("IDX load of all 70,000 images ...");
        double load = Enumerable.Range(0, 3).Select(_ => Stopwatches.Seconds(() => Mnist.Load(files).Dispose())).Min();
        report["idx_load_seconds"] = load;

        progress.Info("linearity experiment with default options ...");
        var sw = Stopwatch.StartNew();
        var result = new LinearityExperiment().Run(new LinearityOptions { Plane = null }, LabData.Of(mnist), new RunContext(progress)); // the seed's work only
        double total = sw.Elapsed.TotalSeconds;
        report["default_run"] = new { seconds = total, test_acc = result.Models.ToDictionary(m => m.Key, m => m.TestAcc) };

        // Per-model training throughput: one epoch of the seed's settings, no validation pass.
        var (train, _) = Splits.TrainValidation(mnist.Train, 5000, 0);
        using var _train = train;
        var training = new Dictionary<string, Throughput>();
        foreach (var (key, loss, create, flop) in Workloads())
        {
            progress.Info($"training throughput: {key} ...");
            using var init = Seeds.Generator(0, $"{key}/init");
            using var model = create().Create(init);
            var h = Trainer.Train(model, train, null, loss, new TrainOptions { Epochs = 1 }, progress, key);
            double ips = h.Epochs[0].ImagesPerSecond;
            training[key] = new Throughput(ips, flop / 1e9, ips * flop / 1e9, ips * flop / 1e9 / ceiling);
        }
        report["training"] = training;

        progress.Info("PyTorch peer: seed 003's way (torchvision MNIST + DataLoader, batch 256, 2 epochs x 3 models) ...");
        var (seedRun, peerReport) = Peer.Run(peer, "linearity_peer.py", threads, options);
        report["peer"] = peerReport;
        if (seedRun is { } p) report["ratios"] = Ratios(p, total, training, load, ceiling);
        return report;
    }

    static Dictionary<string, double> Ratios(JsonElement peer, double total, Dictionary<string, Throughput> training, double load, double ceiling)
    {
        var r = new Dictionary<string, double>
        {
            ["linearity_default_speedup"] = peer.GetProperty("linearity_default_seconds").GetDouble() / total,
            ["idx_load_speedup"] = peer.GetProperty("load_seconds").GetDouble() / load,
            ["matmul_mnistlab_over_pytorch"] = ceiling / peer.GetProperty("matmul_gflops").GetDouble(),
        };
        foreach (var (key, t) in training)
            if (peer.GetProperty("training").TryGetProperty(key, out var p))
                r[$"{key}_throughput_speedup"] = t.ImagesPerSecond / p.GetProperty("images_per_second").GetDouble();
        return r;
    }

    /// <summary>
    /// The three models with their training cost per image: forward 2*MACs, backward about twice that.
    /// Linear: 784*10 MACs. MLP: 784*256 + 256*10 MACs.
    /// </summary>
    static IEnumerable<(string, LossKind, Func<ModelSpec>, double)> Workloads()
    {
        const double linearMacs = 784 * 10, mlpMacs = 784 * 256 + 256 * 10;
        yield return ("linear_mse", LossKind.SoftmaxMse, () => new LinearSpec(), 6 * linearMacs);
        yield return ("linear_ce", LossKind.CrossEntropy, () => new LinearSpec(), 6 * linearMacs);
        yield return ("mlp_ce", LossKind.CrossEntropy, () => new MlpSpec(), 6 * mlpMacs);
    }
}
