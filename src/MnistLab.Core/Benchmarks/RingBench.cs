using System.Diagnostics;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments;
using MnistLab.Experiments.Ring;
using MnistLab.Features;

namespace MnistLab.Benchmarks;

static class RingBench
{
    /// <summary>
    /// Seed 000's workloads: the topology features of all 70,000 images (the first call, cold, then the best of 5 warm),
    /// the default ring run without the ablation (5 epochs of linear and MLP), and the seed's Python feature on the same
    /// 70,000 images held in memory (a Python loop has no warm-up to speak of: its one pass stands for both).
    /// </summary>
    public static object Run(BenchContext c)
    {
        var (mnist, _, peer, threads, _, options, progress) = c;
        int all = mnist.Train.Count + mnist.Test.Count;
        progress.Info($"ring features of all {all:N0} images ...");
        double All() => Stopwatches.Seconds(() => { Topology.Compute(mnist.Train.Images); Topology.Compute(mnist.Test.Images); });
        double cold = All();
        double warm = Enumerable.Range(0, 5).Select(_ => All()).Min();
        var result = new Dictionary<string, object?> { ["features_seconds_cold"] = cold, ["features_seconds"] = warm };

        progress.Info("ring experiment, default 5 epochs of linear + MLP (no ablation) ...");
        var sw = Stopwatch.StartNew();
        var ring = new RingExperiment().Run(new RingOptions { AblationSeeds = 0 }, LabData.Of(mnist), new RunContext(progress));
        result["default_run_seconds"] = sw.Elapsed.TotalSeconds;
        result["test_acc"] = new { linear = ring.Linear.TestAcc, mlp = ring.Mlp.TestAcc };

        progress.Info($"PyTorch peer: the seed's Python ring feature on all {all:N0} images ...");
        var (seedRun, report) = Peer.Run(peer, "ring_peer.py", threads, options);
        if (seedRun is not { } p)
        {
            result["peer"] = report;
            return result;
        }
        var seedValues = p.GetProperty("ring").EnumerateArray().Select(v => (byte)v.GetInt32()).ToArray();
        result["peer"] = new
        {
            images = p.Get("images"),
            seconds = p.Get("seconds"),
            seconds_per_image = p.Get("seconds_per_image"),
            test_images_compared = seedValues.Length,
            agree_with_mnistlab = seedValues.Where((v, i) => v == ring.TestFeatures.Ring[i]).Count(),
        };
        c.Figures.Ratio("ring", "features_speedup", p.Get("seconds") / cold,
            $"the ring feature of all {all:N0} images held in memory; MnistLab's first call (cold) against the peer's one pass; MnistLab's pass " +
            $"runs on {threads} thread(s), the seed's per-image Python loop on one (MnistLab also counts holes and the Euler number)");
        return result;
    }
}
