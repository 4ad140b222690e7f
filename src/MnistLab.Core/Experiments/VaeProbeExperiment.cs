using System.Diagnostics;
using MnistLab.Analysis;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Export;
using MnistLab.Features;
using MnistLab.Models;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Experiments;

public sealed record LambdaSweepRow(double Lambda, double[] CvMse);

public sealed record VaeProbeResult(
    VaeProbeOptions Options, double[] LossPerEpoch, double ConceptsSeconds, double TrainSeconds,
    RidgeProbeResult Probe, ProbeMetrics Train, ProbeMetrics Test, IReadOnlyList<LambdaSweepRow> Sweep,
    double[,] TestZ, double[,] TestC, double[,] TestPredicted, float[][] Originals, float[][] Reconstructions, float[][] Traversals,
    byte[] Checkpoint);

/// <summary>
/// Seed 004 on the real MNIST: a beta-VAE, three concept scores, and a ridge probe from latent means to the
/// concepts, fitted on the training latents and measured on the held-out test latents, ready for Lean.
/// </summary>
public static class VaeProbeExperiment
{
    public static VaeProbeResult Run(Mnist mnist, VaeProbeOptions options, IProgressSink? progress = null, Checkpointing? checkpoints = null)
    {
        options.Validated();
        progress ??= ProgressSink.None;

        // Concepts: computed once, vectorised over all 70,000 images.
        var clock = Stopwatch.StartNew();
        double[,] trainC, testC;
        using (var scope = NewDisposeScope())
        {
            trainC = TensorData.Matrix(Concepts.Compute(mnist.Train.Images));
            testC = TensorData.Matrix(Concepts.Compute(mnist.Test.Images));
        }
        double conceptsSeconds = clock.Elapsed.TotalSeconds;
        progress.Info($"concept scores for {mnist.Train.Count + mnist.Test.Count:N0} images in {conceptsSeconds * 1000:F0} ms");

        // Model: train the VAE on the training images.
        manual_seed(options.Train.Seed);
        using var vae = new Vae(options.LatentDim);
        clock.Restart();
        double[] losses = VaeTrainer.Train(vae, mnist.Train, options.Beta, options.Train, progress, checkpoints);
        double trainSeconds = clock.Elapsed.TotalSeconds;
        byte[] checkpoint = Checkpoint(vae);

        // Probe: fit on training latents, measure on both; sweep lambda by cross-validation on the training set.
        var trainZ = VaeTrainer.LatentMeans(vae, mnist.Train);
        var testZ = VaeTrainer.LatentMeans(vae, mnist.Test);
        var probe = RidgeProbe.Fit(trainZ, trainC, options.Lambda);
        var sweep = options.LambdaSweep.Select(l => new LambdaSweepRow(l, RidgeProbe.CrossValidate(trainZ, trainC, l, options.Folds, options.Train.Seed))).ToList();

        // Pictures: reconstructions of the first test digits, and each latent swept over -3..3.
        var (originals, recon, traversals) = Pictures(vae, mnist.Test, options.LatentDim);
        return new VaeProbeResult(options, losses, conceptsSeconds, trainSeconds, probe,
            RidgeProbe.Evaluate(probe, trainZ, trainC), RidgeProbe.Evaluate(probe, testZ, testC), sweep,
            testZ, testC, probe.Predict(testZ), originals, recon, traversals, checkpoint);
    }

    /// <summary>The export of the probe with its delta measured on the test set.</summary>
    public static ProbeExport ToExport(VaeProbeResult r, string checkpointSha256) => new(
        Concepts.Names, r.Probe.Weights, r.TestZ, r.TestC, MnistFiles.All.ToDictionary(f => f.Name, f => f.Sha256),
        checkpointSha256, "the MNIST test set; z = the VAE's latent mean, c = the concept score, both as float64", RunInfo.Version);

    public static void WriteReport(VaeProbeResult result, RunInfo info, string outDir) => VaeProbeReport.Write(result, info, outDir);

    /// <summary>The weights in TorchSharp's format, as bytes (so the report can hash and write them atomically).</summary>
    static byte[] Checkpoint(Vae vae)
    {
        string temp = Path.Combine(Path.GetTempPath(), $"mnistlab-vae-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
        try
        {
            vae.save(temp);
            return File.ReadAllBytes(temp);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    static (float[][], float[][], float[][]) Pictures(Vae vae, LabeledImages test, int d)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        vae.eval();
        var x = test.Images.narrow(0, 0, 10);
        var recon = vae.call(x);
        var steps = linspace(-3, 3, 9);
        var z = zeros(d * 9, d);
        for (int i = 0; i < d; i++) z.narrow(0, i * 9, 9).select(1, i).copy_(steps);
        return (TensorData.Rows(x), TensorData.Rows(recon), TensorData.Rows(vae.Decode(z)));
    }
}
