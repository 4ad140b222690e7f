using System.Diagnostics;
using MnistLab.Common;
using MnistLab.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Benchmarks;

/// <summary>
/// Seed 001's workload: training steps of the seed's ResNet at batch 32 (Adam 1e-4, weight decay 1e-4), the same
/// loop as the peer script, on inputs of the data's shape, both warm (5 untimed steps first). This machine's speed
/// drifts by tens of percent from minute to minute, so MnistLab and the peer are run in alternation, several
/// rounds, and the median of the per-round ratios is the figure.
/// </summary>
static class ResNetBench
{
    const int Batch = 32;

    public static object Run(BenchContext c)
    {
        var (_, _, peer, threads, ceiling, options, progress) = c;
        const int rounds = 7, warmup = 5, batches = 40, stageSteps = 20;
        double gflop;
        using (var probe = new RotResNet()) gflop = FlopCounter.Count(probe, zeros(1, 1, 28, 28)).TrainFlop / 1e9;
        var ours = new List<double>();
        var peers = new List<double>();
        object? peerReport = null, peerPhases = null;
        string? peerTorch = null;
        for (int round = 1; round <= rounds; round++)
        {
            progress.Info($"ResNet training throughput, round {round}/{rounds} ({batches} batches of {Batch}) ...");
            ours.Add(Throughput(warmup, batches, progress));
            if (!options.Peers) continue;
            var (seedRun, report) = Peer.Run(peer, "resnet_peer.py", threads, options, "--warmup", warmup.ToString(), "--batches", batches.ToString());
            peerReport = report;
            if (seedRun is { } p)
            {
                peers.Add(p.Get("images_per_second"));
                peerPhases = p.GetProperty("phase_ms");
                peerTorch = p.GetProperty("torch").GetString();
            }
        }
        progress.Info("ResNet training step, phase by phase, in both layouts ...");
        var phases = Phases(warmup, batches, ConvLayouts.Preferred);
        // Both layouts, alternating, so the choice ConvLayouts makes from the processor can be read against this machine's timings.
        var layouts = new Dictionary<ConvLayout, List<Dictionary<string, double>>> { [ConvLayout.ChannelsLast] = [], [ConvLayout.Contiguous] = [] };
        for (int round = 0; round < 3; round++)
            foreach (var layout in layouts.Keys) layouts[layout].Add(Phases(warmup, batches / 2, layout));
        progress.Info("ResNet training step, layer by layer, in both layouts and in the peer ...");
        var stages = layouts.Keys.ToDictionary(l => l, _ => new List<IReadOnlyList<StageTimes.StageTime>>());
        for (int round = 0; round < 3; round++)
            foreach (var layout in stages.Keys) stages[layout].Add(Stages(warmup, stageSteps, layout));
        var (peerStages, peerStagesReport) = options.Peers
            ? Peer.Run(peer, "resnet_peer.py", threads, options, "--stages", "--warmup", warmup.ToString(), "--batches", stageSteps.ToString())
            : (null, null);
        var stageMs = stages.ToDictionary(s => LayoutKey(s.Key), s => (object?)MedianStages(s.Value));
        stageMs["peer"] = peerStages is { } ps
            ? ps.GetProperty("stage_ms").EnumerateArray().Select(e => new StageTimes.StageTime(e.GetProperty("name").GetString()!, e.Get("forward"), e.Get("backward"))).ToList()
            : peerStagesReport;
        c.Figures.Breakdown("rotated", $"ResNet training step, layer by layer (ms per step of {Batch}; each layer on a detached copy of its input, median of 3 rounds of {stageSteps} steps)",
            stageMs.Where(s => s.Value is IReadOnlyList<StageTimes.StageTime>).ToDictionary(s => s.Key, s => (IReadOnlyList<StageTimes.StageTime>)s.Value!));
        double ips = Stats.Median(ours);
        var result = new Dictionary<string, object?>
        {
            ["images_per_second"] = ips,
            ["images_per_second_rounds"] = ours,
            ["gflop_per_image"] = gflop,
            // Direct-convolution FLOPs: libtorch's 3x3 kernels may do fewer multiplies, so this share can exceed 1.
            ["gflops_per_second"] = ips * gflop,
            ["fraction_of_ceiling"] = ips * gflop / ceiling,
            ["phase_ms"] = phases,
            ["layout"] = ConvLayouts.Preferred == ConvLayout.ChannelsLast ? "channels-last" : "contiguous",
            ["stage_ms"] = stageMs,
            ["layout_phase_ms"] = layouts.ToDictionary(l => LayoutKey(l.Key),
                l => l.Value[0].Keys.ToDictionary(k => k, k => Stats.Median(l.Value.Select(r => r[k]).ToList()))),
            ["peer"] = peers.Count == 0 ? peerReport : new { images_per_second = Stats.Median(peers), images_per_second_rounds = peers, phase_ms = peerPhases },
        };
        c.Figures.Share("rotated", "ResNet training (batch 32)", ips, gflop, ceiling, peers.Count == 0 ? null : Stats.Median(peers));
        if (peers.Count == ours.Count)
        {
            var ratios = ours.Zip(peers, (a, b) => a / b).ToList();
            result["speedup_rounds"] = ratios;
            c.Figures.Ratio("rotated", "resnet_training_speedup", Stats.Median(ratios),
                $"{batches} training steps of the seed's ResNet at batch {Batch} after {warmup} untimed ones (warm on both sides); median of {rounds} alternating rounds; " +
                PythonPeer.Kernels(peerTorch));
        }
        return result;
    }

    /// <summary>
    /// Where a step's time goes, as the peer measures it too: milliseconds per step of the forward pass with the loss,
    /// the backward pass, and the optimiser (step and zero_grad), each timed on its own (libtorch's CPU work is
    /// synchronous); and the page faults per step, which count the allocations the allocator could not reuse.
    /// </summary>
    static Dictionary<string, double> Phases(int warmup, int batches, ConvLayout layout)
    {
        var (net, opt, x, y, noise) = Setup(layout);
        using var _net = net;
        using var _opt = opt;
        using var _x = x;
        using var _y = y;
        using var _noise = noise;
        double forward = 0, backward = 0, optimizer = 0;
        long faults = 0;
        for (int i = 0; i < warmup + batches; i++)
        {
            using var scope = NewDisposeScope();
            long faults0 = MinorFaults();
            long t0 = Stopwatch.GetTimestamp();
            var loss = functional.cross_entropy(net.call(x), y);
            long t1 = Stopwatch.GetTimestamp();
            loss.backward();
            long t2 = Stopwatch.GetTimestamp();
            opt.step();
            opt.zero_grad();
            long t3 = Stopwatch.GetTimestamp();
            if (i < warmup) continue;
            forward += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
            backward += Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
            optimizer += Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds;
            faults += MinorFaults() - faults0;
        }
        return new() { ["forward"] = forward / batches, ["backward"] = backward / batches, ["optimizer"] = optimizer / batches, ["page_faults_per_step"] = (double)faults / batches };
    }

    static string LayoutKey(ConvLayout layout) => layout == ConvLayout.ChannelsLast ? "channels_last" : "contiguous";

    /// <summary>One layout's layer times, each the median over the rounds.</summary>
    static IReadOnlyList<StageTimes.StageTime> MedianStages(List<IReadOnlyList<StageTimes.StageTime>> rounds) =>
        [.. rounds[0].Select((s, i) => new StageTimes.StageTime(s.Name, Stats.Median([.. rounds.Select(r => r[i].Forward)]), Stats.Median([.. rounds.Select(r => r[i].Backward)])))];

    static IReadOnlyList<StageTimes.StageTime> Stages(int warmup, int steps, ConvLayout layout)
    {
        var (net, opt, x, y, noise) = Setup(layout);
        using var _net = net;
        using var _opt = opt;
        using var _x = x;
        using var _y = y;
        using var _noise = noise;
        using var images = ConvLayouts.Images(x, layout);
        return StageTimes.Measure(net, images, y, warmup, steps);
    }

    /// <summary>This process's minor page faults so far (Linux), or 0.</summary>
    static long MinorFaults()
    {
        try { return long.Parse(File.ReadAllText("/proc/self/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[7]); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException) { return 0; }
    }

    static (RotResNet, optim.Optimizer, Tensor, Tensor, Generator) Setup(ConvLayout layout)
    {
        using var init = Seeds.Generator(0, "resnet/init");
        var net = new RotResNet(init, layout);
        var noise = Seeds.Generator(0, "resnet/noise");
        net.Noise = noise;
        var opt = optim.Adam(net.parameters(), 1e-4, weight_decay: 1e-4);
        using var g = new Generator(0);
        var x = rand([Batch, 1, 28, 28], generator: g);
        var y = randint(0, 10, [Batch], generator: g);
        net.train();
        return (net, opt, x, y, noise);
    }

    static double Throughput(int warmup, int batches, IProgressSink progress)
    {
        var (net, opt, x, y, noise) = Setup(ConvLayouts.Preferred);
        using var _net = net;
        using var _opt = opt;
        using var _x = x;
        using var _y = y;
        using var _noise = noise;
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
        return batches * Batch / sw.Elapsed.TotalSeconds;
    }
}
