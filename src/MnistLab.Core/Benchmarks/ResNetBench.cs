using System.Diagnostics;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Benchmarks;

/// <summary>
/// Seed 001's workload: training steps of the seed's ResNet at batch 32 (Adam 1e-4, weight decay 1e-4), the same
/// loop as the peer script, on inputs of the data's shape. About 0.74 GFLOP per image for forward and backward.
/// This machine's speed drifts by tens of percent from minute to minute, so MnistLab and the peer are run in
/// alternation, several rounds, and the median of the per-round ratios is the figure.
/// </summary>
static class ResNetBench
{
    public const double GflopPerImage = 0.74;

    public static object Run(BenchContext c) => Run(c.Peer, c.Threads, c.Ceiling, c.Options, c.Progress);

    static Dictionary<string, object?> Run(PythonPeer? peer, int threads, double ceiling, BenchOptions options, IProgressSink progress,
        int rounds = 3, int warmup = 5, int batches = 40)
    {
        var ours = new List<double>();
        var peers = new List<double>();
        object? peerReport = null;
        for (int round = 1; round <= rounds; round++)
        {
            progress.Info($"ResNet training throughput, round {round}/{rounds} ({batches} batches of 32) ...");
            ours.Add(Throughput(warmup, batches, progress));
            if (!options.Peers) continue;
            var (seedRun, report) = Peer.Run(peer, "resnet_peer.py", threads, options, "--batches", batches.ToString());
            peerReport = report;
            if (seedRun is { } p) peers.Add(p.Get("images_per_second"));
        }
        double ips = Stats.Median(ours);
        var result = new Dictionary<string, object?>
        {
            ["images_per_second"] = ips,
            ["images_per_second_rounds"] = ours,
            // Nominal: direct-convolution FLOPs. libtorch's 3x3 kernels do fewer multiplies than that (a lone
            // 64->64 conv measures above the matmul ceiling), so this fraction can exceed 1.
            ["nominal_gflops_per_second"] = ips * GflopPerImage,
            ["nominal_fraction_of_ceiling"] = ips * GflopPerImage / ceiling,
            ["peer"] = peers.Count == 0 ? peerReport : new { images_per_second = Stats.Median(peers), images_per_second_rounds = peers },
        };
        if (peers.Count == ours.Count)
        {
            var ratios = ours.Zip(peers, (a, b) => a / b).ToList();
            result["speedup_rounds"] = ratios;
            result["speedup"] = Stats.Median(ratios);
        }
        return result;
    }

    static double Throughput(int warmup, int batches, IProgressSink progress)
    {
        using var init = Seeds.Generator(0, "resnet/init");
        using var net = new RotResNet(init);
        using var opt = optim.Adam(net.parameters(), 1e-4, weight_decay: 1e-4);
        using var g = new Generator(0);
        using var x = rand([32, 1, 28, 28], generator: g);
        using var y = randint(0, 10, [32], generator: g);
        net.train();
        var sw = new Stopwatch();
        using var task = progress.Start("resnet steps", warmup + batches);
        for (int i = 0; i < warmup + batches; i++)
        {
            if (i == warmup) sw.Start();
            using var scope = NewDisposeScope();
            functional.cross_entropy(net.call(x), y).backward();
            opt.step();
            opt.zero_grad();
            task.Advance(1);
        }
        return batches * 32 / sw.Elapsed.TotalSeconds;
    }
}
