using System.Diagnostics;
using System.Text.Json;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments;
using MnistLab.Features;
using MnistLab.Models;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Benchmarks;

public sealed record BenchOptions
{
    /// <summary>Run the PyTorch peers (the seeds' own code paths) in the same run.</summary>
    public bool Peers { get; init; } = true;
    public TimeSpan PeerTimeout { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>Training throughput of one model: images/s and what fraction of the matmul ceiling that is.</summary>
public sealed record Throughput(double ImagesPerSecond, double GflopPerImage, double GflopsPerSecond, double FractionOfCeiling);

/// <summary>
/// Every speed figure MnistLab reports, measured in one run so they can be read as ratios: against the
/// machine's matmul ceiling, and against the PyTorch peer doing the same work the seed's way.
/// </summary>
public static class Bench
{
    public static Dictionary<string, object?> Run(MnistFiles files, int threads, BenchOptions options, IProgressSink progress)
    {
        var report = new Dictionary<string, object?>
        {
            ["mnistlab_version"] = RunInfo.Version,
            ["machine"] = new { cores = Environment.ProcessorCount, threads, os = Environment.OSVersion.VersionString },
        };

        progress.Info("matmul ceiling (2048x2048 float32) ...");
        double ceiling = MatmulCeiling.GflopsPerSecond();
        report["matmul_gflops"] = ceiling;

        progress.Info("IDX load of all 70,000 images ...");
        double load = Enumerable.Range(0, 3).Select(_ => Stopwatches.Seconds(() => Mnist.Load(files).Dispose())).Min();
        report["idx_load_seconds"] = load;

        using var mnist = Mnist.Load(files);
        // The whole default experiment first, cold, as a user meets it (2 epochs x 3 models, validation
        // each epoch, test at the end); the throughput figures below are measured warm.
        progress.Info("linearity experiment with default options ...");
        var sw = Stopwatch.StartNew();
        var result = LinearityExperiment.Run(mnist, new LinearityOptions(), progress);
        double total = sw.Elapsed.TotalSeconds;
        report["linearity_default"] = new
        {
            seconds = total,
            test_acc = result.Models.ToDictionary(m => m.Key, m => m.TestAcc),
        };


        // Per-model training throughput: one epoch of the seed's settings, no validation pass.
        var (train, _) = Splits.TrainValidation(mnist.Train, 5000, 0);
        using var _train = train;
        var training = new Dictionary<string, Throughput>();
        foreach (var (key, loss, create, flop) in Workloads())
        {
            progress.Info($"training throughput: {key} ...");
            manual_seed(0);
            using var model = create();
            var h = Trainer.Train(model, train, null, loss, new TrainOptions { Epochs = 1 }, progress, key);
            double ips = h.Epochs[0].ImagesPerSecond;
            training[key] = new Throughput(ips, flop / 1e9, ips * flop / 1e9, ips * flop / 1e9 / ceiling);
        }
        report["training"] = training;

        report["ring"] = RingBench.Run(mnist, files, threads, options, progress);
        report["local_mi"] = LocalMiBench.Run(mnist, files, threads, options, progress);
        report["vae_probe"] = VaeBench.Run(mnist, files, threads, options, progress);
        report["rotated_resnet"] = ResNetBench.Run(files, threads, ceiling, options, progress);

        if (!options.Peers) report["peer"] = new { skipped = "--no-peer" };
        else
        {
            progress.Info("PyTorch peer: seed 003's way (torchvision MNIST + DataLoader, batch 256, 2 epochs x 3 models) ...");
            var (peer, skipped) = PythonPeer.Run("linearity_peer.py", files, threads, [], options.PeerTimeout);
            if (peer is null) report["peer"] = new { skipped };
            else
            {
                report["peer"] = peer;
                report["ratios"] = Ratios(peer.Value, total, training, load, ceiling);
            }
        }
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
    static IEnumerable<(string, LossKind, Func<nn.Module<Tensor, Tensor>>, double)> Workloads()
    {
        const double linearMacs = 784 * 10, mlpMacs = 784 * 256 + 256 * 10;
        yield return ("linear_mse", LossKind.SoftmaxMse, () => new LinearClassifier(), 6 * linearMacs);
        yield return ("linear_ce", LossKind.CrossEntropy, () => new LinearClassifier(), 6 * linearMacs);
        yield return ("mlp_ce", LossKind.CrossEntropy, () => new Mlp(), 6 * mlpMacs);
    }
}
