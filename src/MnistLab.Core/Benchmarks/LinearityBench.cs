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
/// Seed 003's workloads: the IDX read (warm: fastest of three, on both sides), the whole default linearity run (three
/// models, two epochs each with a validation pass, then the test: the first run of the process, cold, on both sides),
/// and each model's training throughput without the validation pass (a warm epoch on both sides), against the seed's
/// way of doing the same in PyTorch.
/// </summary>
static class LinearityBench
{
    public static object Run(BenchContext c)
    {
        var (mnist, files, peer, threads, ceiling, options, progress) = c;
        var report = new Dictionary<string, object?>();
        progress.Info($"IDX load of all {mnist.Train.Count + mnist.Test.Count:N0} images ...");
        double load = Enumerable.Range(0, 3).Select(_ => Stopwatches.Seconds(() => Read(files))).Min();
        report["idx_read_seconds"] = load;
        report["idx_load_with_hashes_seconds"] = Enumerable.Range(0, 3).Select(_ => Stopwatches.Seconds(() => Mnist.Load(files).Dispose())).Min();

        progress.Info("linearity experiment with default options ...");
        var defaults = new LinearityOptions();
        var sw = Stopwatch.StartNew();
        var result = new LinearityExperiment().Run(defaults with { Plane = null }, LabData.Of(mnist), new RunContext(progress)); // the seed's work only
        double total = sw.Elapsed.TotalSeconds;
        report["default_run"] = new { seconds = total, test_acc = result.Models.ToDictionary(m => m.Key, m => m.TestAcc) };

        // Per-model training throughput: one warm epoch of the seed's settings, without the validation pass.
        var (train, _) = Splits.TrainValidation(mnist.Train, defaults.ValidationSize, 0);
        using var _train = train;
        var training = new Dictionary<string, Throughput>();
        foreach (var (key, loss, spec) in Workloads())
        {
            progress.Info($"training throughput: {key} ...");
            using var init = Seeds.Generator(0, $"{key}/init");
            using var model = spec.Create(init);
            double gflop = FlopCounter.Count(model, train.Images.narrow(0, 0, 1)).TrainFlop / 1e9;
            var h = Trainer.Train(model, train, null, loss, new TrainOptions { Epochs = 1 }, progress, key);
            double ips = h.Epochs[0].ImagesPerSecond;
            training[key] = new Throughput(ips, gflop, ips * gflop, ips * gflop / ceiling);
        }
        report["training"] = training;

        progress.Info("PyTorch peer: seed 003's way (torchvision MNIST + DataLoader, batch 256, 2 epochs x 3 models) ...");
        var (seedRun, peerReport) = Peer.Run(peer, "linearity_peer.py", threads, options);
        report["peer"] = peerReport;
        foreach (var (key, t) in training)
            c.Figures.Share("linearity", $"{key} training (batch 256)", t.ImagesPerSecond, t.GflopPerImage, ceiling,
                seedRun is { } r && r.GetProperty("training").TryGetProperty(key, out var pk) ? pk.Get("in_memory_images_per_second") : null);
        if (seedRun is { } p) Ratios(c.Figures, p, total, training, load, train.Count);
        return report;
    }

    static void Ratios(BenchFigures figures, JsonElement peer, double total, Dictionary<string, Throughput> training, double load, int trainCount)
    {
        figures.Ratio("linearity", "linearity_default_speedup", peer.Get("linearity_default_seconds") / total,
            "the default linearity run: three models, two epochs each with a validation pass, then the test, each side with its own data pipeline (the seed's " +
            "torchvision DataLoader decoding every image; MnistLab's tensors in memory, converted before its clock starts); MnistLab also draws its " +
            "confusions and templates and computes its Integrated Gradients section; the first run of the process (cold) on both sides");
        figures.Ratio("linearity", "idx_read_speedup", peer.Get("load_seconds") / load,
            "reading the four MNIST IDX files into image and label tensors (MnistLab's in float32, torchvision's in bytes), without the SHA-256 that MnistLab's own load also takes; fastest of three (warm) on both sides");
        foreach (var (key, t) in training)
            if (peer.GetProperty("training").TryGetProperty(key, out var p))
                figures.Ratio("linearity", $"{key}_throughput_speedup", t.ImagesPerSecond / p.Get("in_memory_images_per_second"),
                    $"{key}: training images per second over one epoch of {trainCount:N0} images, batch 256, without the validation pass, batches " +
                    "gathered from tensors in memory on both sides (the peer's DataLoader figure is in the JSON); a warm epoch on both sides");
    }

    /// <summary>The four files read into image and label tensors and freed: what torchvision's MNIST does on the peer's side.</summary>
    static void Read(MnistFiles files)
    {
        using var train = LabeledImages.FromBytes(IdxFile.ReadImages(files.TrainImages).Pixels, IdxFile.ReadLabels(files.TrainLabels), "train");
        using var test = LabeledImages.FromBytes(IdxFile.ReadImages(files.TestImages).Pixels, IdxFile.ReadLabels(files.TestLabels), "test");
    }

    /// <summary>The three models of the run, as the experiment builds them.</summary>
    static IEnumerable<(string, LossKind, ModelSpec)> Workloads()
    {
        yield return ("linear_mse", LossKind.SoftmaxMse, new LinearSpec());
        yield return ("linear_ce", LossKind.CrossEntropy, new LinearSpec());
        yield return ("mlp_ce", LossKind.CrossEntropy, new MlpSpec());
    }
}
