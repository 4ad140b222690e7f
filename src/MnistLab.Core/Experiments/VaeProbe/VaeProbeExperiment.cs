using System.Diagnostics;
using MnistLab.Analysis;
using MnistLab.Benchmarks;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Export;
using MnistLab.Features;
using MnistLab.Import;
using MnistLab.Models;
using MnistLab.Reports;
using MnistLab.Runs;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Experiments.VaeProbe;

public sealed record LambdaSweepRow(double Lambda, double[] CvMse);

public sealed record VaeProbeResult(
    VaeProbeOptions Options, double[] LossPerEpoch, double ConceptsSeconds, double TrainSeconds,
    RidgeProbeResult Probe, ProbeMetrics Train, ProbeMetrics Test, IReadOnlyList<LambdaSweepRow> Sweep,
    double[,] TestZ, double[,] TestC, double[,] TestPredicted, float[][] Originals, float[][] Reconstructions, float[][] Traversals,
    byte[] Checkpoint, IReadOnlyDictionary<string, string> DataSha256, ModelCard? Given = null)
{
    public int LatentDim => TestZ.GetLength(1);

    /// <summary>Every encoder layer probed beside the pixels, when measured.</summary>
    public Analysis.Probes.ProbeTableResult? Encoder { get; init; }

    /// <summary>Each concept erased from mu before decoding, when measured.</summary>
    public IReadOnlyList<DecoderErasureRow>? DecoderErasure { get; init; }

    /// <summary>The probe proved over balls around test images, when measured.</summary>
    public IReadOnlyList<CertifiedProbeRow>? CertifiedProbe { get; init; }

    /// <summary>The sparse dictionary of the encoder's hidden layer, when learned.</summary>
    public Analysis.Dictionaries.SparseDictionaryResult? Dictionary { get; init; }

    public string CheckpointSha256 { get; } = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Checkpoint));

    /// <summary>The probe as a Lean 4 file (probe.lean).</summary>
    public string Lean => _lean ??= LeanExport.Render(VaeProbeExperiment.ToExport(this));
    string? _lean;

    /// <summary>The exact check of every exported δ against every test residual, made once.</summary>
    public IReadOnlyList<ConceptCheck> LeanChecks => _checks ??= LeanExport.Check(Lean, Concepts.Names, TestZ, TestC);
    IReadOnlyList<ConceptCheck>? _checks;
}

/// <summary>
/// Seed 004 on the real MNIST: a beta-VAE, three concept scores, and a ridge probe from latent means to the
/// concepts, fitted on the training latents and measured on the held-out test latents, ready for Lean.
/// </summary>
public sealed class VaeProbeExperiment : Experiment<VaeProbeOptions, VaeProbeResult>
{
    public override string Name => "vae-probe";
    public override string Title => "VAE latents probed for concepts (seed 004)";
    public override string Question => "Do a VAE's latent means encode size, stroke thickness and slant linearly, on digits it was not fitted on?";
    public override string SeedDocument => "004_02e947afa66b469d.txt";

    public override VaeProbeOptions Defaults => new();
    public override VaeProbeOptions Quick => Defaults with { Train = Defaults.Train with { Epochs = 4 }, CertifiedProbe = new CertifiedProbeOptions { Images = 10 } };
    public override VaeProbeOptions WithSeed(VaeProbeOptions o, long seed) => o with { Seed = seed };
    public override long SeedOf(VaeProbeOptions o) => o.Seed;
    public override VaeProbeOptions Validated(VaeProbeOptions o) => o.Validated();
    public override BenchSection Bench => VaeBench.Run;

    public override IReadOnlyList<Headline> Headlines { get; } =
    [
        new("r2_test_size", "probe R² on test: size", "R² size", FigureKind.Score),
        new("r2_test_thick", "probe R² on test: thickness", "R² thickness", FigureKind.Score),
        new("r2_test_slant", "probe R² on test: slant", "R² slant", FigureKind.Score),
        new("decoder_uses_slant", "decoder: Pearson r of slant (input against reconstruction) lost by erasing slant from mu, beyond random directions", "decoder uses slant", FigureKind.Score),
        new("decoder_uses_thick", "decoder: the same for thickness", "decoder uses thickness", FigureKind.Score),
        new("decoder_uses_size", "decoder: the same for size", "decoder uses size", FigureKind.Score),
    ];

    public override IReadOnlyDictionary<string, double> Figures(VaeProbeResult r)
    {
        var f = Concepts.Names.Select((n, k) => (n, k)).ToDictionary(p => $"r2_test_{p.n}", p => r.Test.R2[p.k]);
        foreach (var row in r.DecoderErasure ?? [])
            if (row.Rank > 0 && double.IsFinite(row.After) && double.IsFinite(row.Control.Mean)) f[$"decoder_uses_{row.Concept}"] = row.Control.Mean - row.After;
        return f;
    }

    /// <summary>Held-out R² of at least 0.7 reads as "yes", 0.3 to 0.7 as "partly", below as "no".</summary>
    public override string Answer(IReadOnlyDictionary<string, double> f)
    {
        var groups = Concepts.Names.Select(n => (Name: n == "thick" ? "thickness" : n, R2: f[$"r2_test_{n}"]))
            .GroupBy(c => c.R2 >= 0.7 ? "yes" : c.R2 >= 0.3 ? "partly" : "no").OrderBy(g => g.Key switch { "yes" => 0, "partly" => 1, _ => 2 });
        var parts = groups.Select(g => $"{string.Join(" and ", g.Select(c => c.Name))}: {g.Key} (R² {string.Join(", ", g.Select(c => c.R2.ToString("F2")))})").ToList();
        return $"{char.ToUpperInvariant(parts[0][0])}{parts[0][1..]}{string.Concat(parts.Skip(1).Select(p => "; " + p))}, for a ridge probe on held-out test digits.";
    }

    public override DataProvenance Prepare(VaeProbeOptions o, LabData data, IProgressSink progress) => data.Mnist.Provenance;

    public override VaeProbeResult Run(VaeProbeOptions options, LabData data, RunContext context)
    {
        var mnist = data.Mnist;
        var progress = context.Progress;

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

        // Model: train the VAE on the training images, or take the one given.
        using var given = options.Model is { } folder ? LoadedModel.FromFolder(folder) : null;
        using var init = Seeds.Generator(options.Seed, $"{VaeTrainer.Name}/init");
        using var trained = given is null ? new Vae(new VaeSpec(options.LatentDim), init) : null;
        var vae = trained ?? given!.Model as Vae
                  ?? throw new MnistLabException($"{options.Model}: holds a {given!.Model.GetType().Name}; the vae-probe experiment probes a VAE (import one with --kind vae-probe).");
        clock.Restart();
        double[] losses = trained is null ? [] : VaeTrainer.Train(trained, mnist.Train, options.Beta, options.Train, progress, context.Checkpoints, context.Cancel, options.Seed);
        double trainSeconds = clock.Elapsed.TotalSeconds;
        if (given is not null) progress.Info($"probing the VAE of {given.Path} (imported from {given.Card!.Source}), not training one");
        byte[] checkpoint = Checkpoint(vae);

        // Probe: fit on training latents, measure on both; sweep lambda by cross-validation on the training set.
        var trainZ = VaeTrainer.LatentMeans(vae, mnist.Train);
        var testZ = VaeTrainer.LatentMeans(vae, mnist.Test);
        var probe = RidgeProbe.Fit(trainZ, trainC, options.Lambda);
        var sweep = options.LambdaSweep.Select(l => new LambdaSweepRow(l, RidgeProbe.CrossValidate(trainZ, trainC, l, options.Folds, options.Seed))).ToList();

        // Pictures: reconstructions of the first test digits, and each latent swept over -3..3.
        var (originals, recon, traversals) = Pictures(vae, mnist.Test, vae.LatentDim);
        var encoder = EncoderProbeSection.Compute(vae, mnist, options, progress);
        var decoderErasure = DecoderErasureSection.Compute(vae, mnist, options, progress);
        var dictionary = EncoderDictionarySection.Compute(vae, mnist, options, progress);
        var certified = CertifiedProbeSection.Compute(vae, probe, mnist, testC, options, progress);
        return new VaeProbeResult(options, losses, conceptsSeconds, trainSeconds, probe,
            RidgeProbe.Evaluate(probe, trainZ, trainC), RidgeProbe.Evaluate(probe, testZ, testC), sweep,
            testZ, testC, probe.Predict(testZ), originals, recon, traversals, checkpoint, mnist.Provenance.Sha256,
            given?.Card) { Encoder = encoder, DecoderErasure = decoderErasure, Dictionary = dictionary, CertifiedProbe = certified };
    }

    /// <summary>The export of the probe with its delta measured on the test set, and the hashes of the data actually read.</summary>
    public static ProbeExport ToExport(VaeProbeResult r) => new(
        Concepts.Names, r.Probe.Weights, r.TestZ, r.TestC, r.DataSha256,
        r.CheckpointSha256, "the MNIST test set; z = the VAE's latent mean, c = the concept score, both as float64", LabVersion.Current)
    {
        Proved = r.CertifiedProbe?.Select(x => new ProvedDelta(x.Concept, x.Eps, x.Delta, x.Images, x.Accepted == x.Images)).ToList(),
    };

    public override object Metrics(VaeProbeResult r) => VaeProbeReport.Metrics(r);

    public override void WriteReport(VaeProbeResult result, RunInfo info, ReportFolder folder) => VaeProbeReport.Write(result, info, folder);

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
        bool wasTraining = vae.training;
        vae.eval();
        var x = test.Images.narrow(0, 0, 10);
        var recon = vae.call(x);
        var steps = linspace(-3, 3, 9);
        var z = zeros(d * 9, d);
        for (int i = 0; i < d; i++) z.narrow(0, i * 9, 9).select(1, i).copy_(steps);
        var pictures = (TensorData.Rows(x), TensorData.Rows(recon), TensorData.Rows(vae.Decode(z)));
        vae.train(wasTraining);
        return pictures;
    }
}
