using System.Security.Cryptography;
using System.Text;
using MnistLab.Export;
using MnistLab.Features;
using MnistLab.Reports;
using MnistLab.Runs;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Experiments.VaeProbe;

/// <summary>The report folder of the VAE probe: metrics, figures, checkpoint, probe.json and probe.lean.</summary>
static class VaeProbeReport
{
    public const string CheckpointFile = "vae.bin", LeanFile = "probe.lean";

    public static void Write(VaeProbeResult r, RunInfo info, ReportFolder folder)
    {
        var names = Concepts.Names;
        string checkpointSha = r.CheckpointSha256;
        File.WriteAllBytes(folder.PathOf(CheckpointFile), r.Checkpoint);
        folder.WriteJson("vae.options.json", r.Options);

        // Everything `mnistlab export lean` needs, so an export never retrains or reloads the data.
        folder.WriteJson(ProbeFile.Name, ProbeFileContent.From(VaeProbeExperiment.ToExport(r), r.Probe.Lambda));
        var checks = r.LeanChecks;
        if (checks.Any(c => !c.Holds)) throw new InvalidOperationException("exported delta does not bound every residual: " + string.Join(", ", checks.Select(c => c.Concept)));
        folder.WriteText(LeanFile, r.Lean);

        if (r.LossPerEpoch.Length > 0)
            Plots.Lines(folder.PathOf("loss.png"), "VAE loss per image (BCE sum + beta KL)", "epoch", "loss", [("train", r.LossPerEpoch)]);
        Plots.GrayGrid(folder.PathOf("reconstructions.png"), [.. r.Originals, .. r.Reconstructions],
            [.. r.Originals.Select((_, i) => $"test {i}"), .. r.Reconstructions.Select((_, i) => $"recon {i}")], 2, 10);
        int d = r.LatentDim;
        Plots.GrayGrid(folder.PathOf("traversals.png"), r.Traversals,
            Enumerable.Range(0, d * 9).Select(k => $"z{k / 9}={-3 + 0.75 * (k % 9):0.##}").ToList(), d, 9);
        for (int k = 0; k < names.Count; k++)
            Plots.Scatter(folder.PathOf($"probe_{names[k]}.png"), $"{names[k]}: probe prediction vs true (test set)", "true", "predicted",
                Column(r.TestC, k), Column(r.TestPredicted, k));
        folder.WriteReport(Markdown(r, info, checks, checkpointSha, SlantLimits(r)) + EncoderProbeSection.Markdown(r) + EncoderDictionarySection.Markdown(r) + DecoderErasureSection.Markdown(r) + CertifiedProbeSection.Markdown(r));
    }

    public static object Metrics(VaeProbeResult r)
    {
        var names = Concepts.Names;
        var checks = r.LeanChecks;
        return new
        {
            latent_dim = r.LatentDim,
            model = r.Given,
            beta = r.Options.Beta,
            epochs = r.Options.Train.Epochs,
            loss_per_epoch = r.LossPerEpoch,
            train_seconds = r.TrainSeconds,
            probe = new
            {
                lambda = r.Probe.Lambda,
                train = Metrics(r.Train),
                test = Metrics(r.Test),
                lambda_sweep = r.Sweep.Select(s => new { lambda = s.Lambda, cv_mse = names.Select((n, k) => (n, k)).ToDictionary(p => p.n, p => s.CvMse[p.k]) }),
                lean_delta = checks.ToDictionary(c => c.Concept, c => c.Delta.ToDouble()),
                lean_check = checks.All(c => c.Holds) ? "every test residual <= delta in exact arithmetic" : "FAILED",
            },
            slant = SlantLimits(r),
            encoder_probe = EncoderProbeSection.Metrics(r),
            decoder_erasure = DecoderErasureSection.Metrics(r),
            dictionary = EncoderDictionarySection.Metrics(r),
            certified_probe = CertifiedProbeSection.Metrics(r),
            concepts_seconds = r.ConceptsSeconds,
            checkpoint_sha256 = r.CheckpointSha256,
        };
    }

    static object Metrics(Analysis.ProbeMetrics m) => new
    {
        r2 = Concepts.Names.Select((n, k) => (n, k)).ToDictionary(p => p.n, p => m.R2[p.k]),
        delta = Concepts.Names.Select((n, k) => (n, k)).ToDictionary(p => p.n, p => m.Delta[p.k]),
        p99_abs_residual = Concepts.Names.Select((n, k) => (n, k)).ToDictionary(p => p.n, p => m.P99[p.k]),
        samples = m.Samples,
    };

    /// <summary>
    /// Slant is an angle in (-pi/2, pi/2] that wraps: a digit wider than tall has uxx &lt; uyy, and the sign of a
    /// tiny uxy flips it between +pi/2 and -pi/2. A linear probe cannot follow that jump; these numbers show how
    /// much of the error sits there.
    /// </summary>
    static SlantLimit SlantLimits(VaeProbeResult r)
    {
        int k = 2, n = r.TestC.GetLength(0);
        var near = Enumerable.Range(0, n).Where(i => Math.Abs(r.TestC[i, k]) >= Math.PI / 4).ToArray();
        double sse = Enumerable.Range(0, n).Sum(i => Sq(r.TestC[i, k] - r.TestPredicted[i, k]));
        double sseNear = near.Sum(i => Sq(r.TestC[i, k] - r.TestPredicted[i, k]));
        var far = Enumerable.Range(0, n).Except(near).ToArray();
        double meanFar = far.Average(i => r.TestC[i, k]);
        double r2Far = 1 - far.Sum(i => Sq(r.TestC[i, k] - r.TestPredicted[i, k])) / far.Sum(i => Sq(r.TestC[i, k] - meanFar));
        return new SlantLimit((double)near.Length / n, sseNear / sse, r2Far);
    }

    static double Sq(double x) => x * x;

    static double[] Column(double[,] m, int k) => Enumerable.Range(0, m.GetLength(0)).Select(i => m[i, k]).ToArray();

    static string Markdown(VaeProbeResult r, RunInfo info, IReadOnlyList<ConceptCheck> checks, string sha, SlantLimit slant)
    {
        var o = r.Options;
        var names = Concepts.Names;
        var sb = new StringBuilder();
        sb.AppendLine("# Probing a VAE's latents for human concepts").AppendLine();
        sb.AppendLine((r.Given is { } given
                          ? $"The VAE probed here was not trained by this run: it is the model folder `{r.Options.Model}`, imported from `{given.Source}` " +
                            $"(SHA-256 {given.SourceSha256[..16]}…; 784-256-{r.LatentDim}). "
                          : $"A beta-VAE (784-256-{r.LatentDim}, beta {o.Beta}) trained on the 60,000 MNIST training images, Adam {o.Train.LearningRate}, batch " +
                            $"{o.Train.BatchSize}, {o.Train.Epochs} epochs ({r.TrainSeconds:F1} s). ") + "Concept scores on the binarised image: size (pixel count), " +
                      "thick (pixels a 3x3 dilation adds), slant (second-moment angle). A ridge probe (lambda " +
                      $"{o.Lambda}, bias included) maps latent means to the concepts: fitted on the training latents, measured on both. " +
                      $"Seed {o.Seed}; MnistLab {info.MnistlabVersion}, {info.Threads} thread(s).").AppendLine();
        sb.AppendLine(Table(["concept", "R² train", "R² test", "δ train", "δ test", "99th pct |residual| train", "test", "δ in probe.lean"],
            names.Select((n, k) => (IReadOnlyList<string>)[n, Num(r.Train.R2[k]), Num(r.Test.R2[k]), Num(r.Train.Delta[k], 3), Num(r.Test.Delta[k], 3),
                Num(r.Train.P99[k], 3), Num(r.Test.P99[k], 3), Num(checks[k].Delta.ToDouble(), 9)])));
        sb.AppendLine($"δ is the largest |c - w(z)|, so it depends on how many samples it is taken over ({r.Train.Samples:N0} training, " +
                      $"{r.Test.Samples:N0} test): a maximum over more samples is larger even at equal error. Test over train: δ " +
                      string.Join(", ", names.Select((n, k) => $"{n} x{r.Test.Delta[k] / r.Train.Delta[k]:F2}")) + "; 99th percentile " +
                      string.Join(", ", names.Select((n, k) => $"{n} x{r.Test.P99[k] / r.Train.P99[k]:F2}")) +
                      ". The percentile compares like with like; a ratio near 1 means the probe holds off the fitting set.").AppendLine();

        sb.AppendLine("## What limits slant").AppendLine();
        sb.AppendLine($"Slant is an angle that wraps at ±π/2: for a digit wider than tall the sign of a tiny cross moment flips it from +π/2 to -π/2, " +
                      $"and no linear map of the latents can follow that jump. {Pct(slant.ShareNearWrap, 1)} of test digits have |slant| ≥ π/4; they carry " +
                      $"{Pct(slant.ShareOfSquaredErrorNearWrap, 1)} of the probe's squared error on slant. Away from the wrap, R² of the same probe is " +
                      $"{Num(slant.R2AwayFromWrap)} (against {Num(r.Test.R2[2])} overall).").AppendLine();
        sb.AppendLine(Image("slant", "probe_slant.png")).AppendLine();

        sb.AppendLine("## Lean export").AppendLine();
        sb.AppendLine($"`{LeanFile}` holds one `ProbeSpec` per concept: the weights and bias as the exact rationals of the float64 numbers, and δ " +
                      $"as the exact largest test residual rounded up to {LeanExport.DeltaDecimals} decimals, with the data hashes and the checkpoint's " +
                      $"SHA-256 ({sha[..16]}…). Checked here without Lean, by re-reading the file and evaluating every one of the " +
                      $"{r.Test.Samples:N0} test samples in exact rational arithmetic: " +
                      string.Join("; ", checks.Select(c => $"{c.Concept}: max residual {c.MaxResidual.ToDouble():G9} ≤ δ {c.Delta.ToDouble():G9}")) + ".").AppendLine();

        sb.AppendLine("## Choosing lambda").AppendLine();
        sb.AppendLine($"{o.Folds}-fold cross-validated mean squared error on the training latents:").AppendLine();
        sb.AppendLine(Table(["lambda", .. names], r.Sweep.Select(s => (IReadOnlyList<string>)[s.Lambda.ToString("G3"), .. s.CvMse.Select(v => v.ToString("G5"))])));
        var best = names.Select((n, k) => (n, r.Sweep.MinBy(s => s.CvMse[k])!.Lambda)).ToList();
        double spread = names.Select((_, k) => r.Sweep.Where(s => s.Lambda <= 10).Max(s => s.CvMse[k]) / r.Sweep.Min(s => s.CvMse[k]) - 1).Max();
        sb.AppendLine($"Best lambda by cross-validation: {string.Join(", ", best.Select(b => $"{b.n} {b.Lambda:G3}"))}. Up to lambda 10 the error changes by at most " +
                      $"{spread * 100:F2}%: with {r.Train.Samples:N0} samples and {r.LatentDim + 1} coefficients the penalty hardly matters, so the seed's " +
                      $"{r.Options.Lambda} is as good as any.").AppendLine();
        sb.AppendLine("## Figures").AppendLine();
        if (r.LossPerEpoch.Length > 0) sb.AppendLine(Image("loss", "loss.png")).AppendLine();
        sb.AppendLine("Test digits (top) and their reconstructions from the latent mean (bottom):").AppendLine();
        sb.AppendLine(Image("reconstructions", "reconstructions.png")).AppendLine();
        sb.AppendLine("Each row sweeps one latent coordinate from -3 to 3 with the others at 0:").AppendLine();
        sb.AppendLine(Image("latent traversals", "traversals.png")).AppendLine();
        foreach (var n in names) sb.AppendLine(Image(n, $"probe_{n}.png")).AppendLine();
        sb.AppendLine($"Concept scores for all 70,000 images took {r.ConceptsSeconds * 1000:F0} ms.");
        return sb.ToString();
    }
}

/// <summary>How much of the slant probe's error sits near the angle's wrap at ±pi/2.</summary>
public sealed record SlantLimit(double ShareNearWrap, double ShareOfSquaredErrorNearWrap, double R2AwayFromWrap);

