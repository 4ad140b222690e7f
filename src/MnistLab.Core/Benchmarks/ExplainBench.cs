using System.Diagnostics;
using MnistLab.Attribution;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Export;
using MnistLab.Models;
using MnistLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistLab.Benchmarks;

/// <summary>
/// Integrated Gradients with Captum's defaults (50 Gauss–Legendre steps, zero baseline) on all 10,000 test images for a
/// 784-256-10 MLP trained one epoch: its time against the FLOP floor of the work (forward and input-gradient of 500,000
/// scaled inputs at this run's matmul ceiling) and against the Captum algorithm in plain PyTorch (bench/peers/explain_peer.py)
/// run on the same weights in the same run, and the agreement of the two sets of maps.
/// </summary>
static class ExplainBench
{
    const int Steps = 50, CheckImages = 1000;

    public static object Run(BenchContext c)
    {
        var (mnist, _, peer, threads, ceiling, options, progress) = c;
        var report = new Dictionary<string, object?>();
        using var model = BenchMlp.Train(mnist, "explain-bench", progress);

        // Forward 2 MACs per weight, the input gradient as much again (no weight gradients are needed).
        const double flopPerRow = 4.0 * (784 * 256 + 256 * 10);
        double rows = (double)mnist.Test.Count * Steps;
        double floor = flopPerRow * rows / (ceiling * 1e9);
        var input = new AttributionInput(model, mnist.Test.Images, mnist.Test.LabelArray());
        var options_ = new IntegratedGradientsOptions { Steps = Steps };
        progress.Info($"Integrated Gradients, {Steps} steps, {mnist.Test.Count:N0} test images (3 runs) ...");
        AttributionResult? maps = null;
        var times = new List<double>();
        for (int k = 0; k < 3; k++)
        {
            maps = IntegratedGradients.Compute(input, options_);
            times.Add(maps.Seconds);
        }
        double seconds = Stats.Median(times);
        report["mnistlab"] = new
        {
            seconds, all_seconds = times, rows_per_pass = options_.Rows(input), gflop = flopPerRow * rows / 1e9, flop_floor_seconds = floor,
            over_flop_floor = seconds / floor, completeness_max_abs = maps!.MaxAbsCompletenessError,
        };

        string dir = Directory.CreateTempSubdirectory("mnistlab-explain-bench-").FullName;
        try
        {
            BenchMlp.WriteWeights(model, dir);
            string peerMaps = Path.Combine(dir, "peer_ig.npy"), peerMaps64 = Path.Combine(dir, "peer_ig64.npy");
            progress.Info("PyTorch peer: Captum's Integrated Gradients in plain PyTorch, same weights and images ...");
            var (peerRun, peerReport) = Peer.Run(peer, "explain_peer.py", threads, options, "--weights", dir, "--out", peerMaps, "--steps", $"{Steps}", "--repeats", "3");
            report["peer"] = peerReport;
            if (peerRun is { } pr)
            {
                var (shape, theirs) = Import.NpyReader.Read(peerMaps);
                report["agreement_float32"] = Agreement(maps.Values, theirs, (int)shape[0]);
                report["ratios"] = new { peer_over_mnistlab = pr.Get("seconds") / seconds, mnistlab_over_flop_floor = seconds / floor };
                c.Figures.Ratio("explain", "integrated_gradients_speedup", pr.Get("seconds") / seconds,
                    $"Integrated Gradients ({Steps} Gauss-Legendre steps, zero baseline) of all {mnist.Test.Count:N0} test images through the same 784-256-10 MLP, " +
                    "against Captum's algorithm in plain PyTorch; the median of three calls on both sides");
                c.Figures.Share("explain", $"Integrated Gradients ({Steps} steps)", mnist.Test.Count / seconds, flopPerRow * Steps / 1e9, ceiling,
                    mnist.Test.Count / pr.Get("seconds"));
            }

            // In float32 the two differ wherever a hidden unit sits within rounding of zero at some step (a ReLU that one
            // side switches and the other does not); in float64 such ties vanish and the algorithms can be compared.
            progress.Info($"value check in float64 on the first {CheckImages} images, here and in the peer ...");
            var (check, _) = Peer.Run(peer, "explain_peer.py", threads, options, "--weights", dir, "--out", peerMaps64, "--steps", $"{Steps}",
                "--float64", "--count", $"{CheckImages}");
            if (check is not null)
            {
                using var model64 = new Mlp(new MlpSpec());
                model64.load_state_dict(model.state_dict());
                model64.to(ScalarType.Float64);
                using var images64 = mnist.Test.Images.narrow(0, 0, CheckImages).to_type(ScalarType.Float64);
                var ours64 = IntegratedGradients.Compute(new AttributionInput(model64, images64, mnist.Test.LabelArray()[..CheckImages]), options_);
                var (shape64, theirs64) = Import.NpyReader.Read(peerMaps64);
                report["agreement_float64"] = Agreement(ours64.Values, theirs64, (int)shape64[0]);
            }
        }
        finally { try { Directory.Delete(dir, recursive: true); } catch (IOException) { } }
        return report;
    }

    /// <summary>
    /// Per-map relative differences ‖a − b‖ / ‖b‖ (largest, median, 99th percentile, share within 1e-4), and the largest
    /// |a − b| over the largest |b|.
    /// </summary>
    static object Agreement(float[] ours, float[] theirs, int maps)
    {
        if (ours.Length != theirs.Length) return new { error = $"{ours.Length} values here, {theirs.Length} from the peer" };
        int size = ours.Length / maps;
        double worstMap = 0, maxDiff = 0, maxAbs = 0;
        var relative = new List<double>();
        for (int i = 0; i < maps; i++)
        {
            double d2 = 0, b2 = 0;
            for (int j = i * size; j < (i + 1) * size; j++)
            {
                double d = ours[j] - theirs[j];
                d2 += d * d; b2 += (double)theirs[j] * theirs[j];
                maxDiff = Math.Max(maxDiff, Math.Abs(d));
                maxAbs = Math.Max(maxAbs, Math.Abs(theirs[j]));
            }
            if (b2 > 0) { worstMap = Math.Max(worstMap, Math.Sqrt(d2 / b2)); relative.Add(Math.Sqrt(d2 / b2)); }
        }
        var sorted = relative.Order().ToArray();
        return new
        {
            maps, max_relative_difference_per_map = worstMap, median = sorted[sorted.Length / 2], p99 = sorted[(int)(0.99 * (sorted.Length - 1))],
            share_within_1e_4 = relative.Count(r => r <= 1e-4) / (double)relative.Count, max_abs_difference_over_max_abs = maxDiff / maxAbs, within_1e_4 = worstMap <= 1e-4,
        };
    }
}
