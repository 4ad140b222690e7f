using System.Text.Json;
using MnistLab.Cli;
using MnistLab.Data;
using MnistLab.Experiments.VaeProbe;
using MnistLab.Tests.Support;
using MnistLab.Training;

namespace MnistLab.Tests.Experiments;

public class VaeProbeExperimentTests
{
    [Fact]
    public void Runs_on_tiny_data_writes_a_checked_lean_file_and_export_reproduces_it_byte_for_byte()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path, train: 200, test: 50);
        using var mnist = Mnist.Load(MnistLocator.TryFolder(dir.Path)!);
        var options = new VaeProbeOptions
        {
            Train = new TrainOptions { Epochs = 2, BatchSize = 32 }, LambdaSweep = [1e-3, 1], Folds = 2,
            CertifiedProbe = new CertifiedProbeOptions { Images = 4, Epsilons = [0, 0.01] },
        };
        string run = dir.File("run");
        var result = new VaeProbeExperiment().RunInto(options, run, LabData.Of(mnist)).Result;
        Assert.Equal(2, result.LossPerEpoch.Length);
        Assert.Equal(50, result.Test.Samples);
        foreach (var f in new[] { "metrics.json", "report.md", "probe.lean", "probe.json", "vae.bin", "vae.options.json", "reconstructions.png", "traversals.png", "probe_slant.png" })
            Assert.True(File.Exists(Path.Combine(run, f)), f);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        Assert.Equal("vae-probe", doc.RootElement.GetProperty("experiment").GetString());
        Assert.Equal(3, doc.RootElement.GetProperty("probe").GetProperty("test").GetProperty("r2").EnumerateObject().Count());
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(run, "vae.bin")))),
            File.ReadAllText(Path.Combine(run, "probe.lean")));
        // The Lean file records the hashes of the bytes actually read (these synthetic files), not MNIST's official ones.
        string lean = File.ReadAllText(Path.Combine(run, "probe.lean"));
        Assert.Contains(mnist.Provenance.Sha256["t10k-images-idx3-ubyte"], lean);
        Assert.DoesNotContain(MnistFiles.TestImagesFile.Sha256, lean);

        // The probe proved over balls: at radius 0 the proved δ is the residual at the images, and it only grows with the radius;
        // every certificate was accepted, and the proved δ reach probe.lean (and survive probe.json, which the export reads).
        var proved = result.CertifiedProbe!;
        Assert.Equal(6, proved.Count);
        foreach (var row in proved)
        {
            Assert.Equal(4, row.Accepted);
            Assert.True(row.Center <= row.Sampled && row.Sampled <= row.Delta + 1e-9 * (1 + row.Delta), $"{row.Concept} at {row.Eps}: at the images {row.Center}, sampled {row.Sampled}, proved {row.Delta}");
            // The gradient search starts from the corners, so it finds at least as much, and never more than is proved.
            Assert.True(row.Sampled <= row.Attacked && row.Attacked <= row.Delta + 1e-9 * (1 + row.Delta), $"{row.Concept} at {row.Eps}: sampled {row.Sampled}, PGD {row.Attacked}, proved {row.Delta}");
            Assert.True(row.MeanSampledWidth <= row.MeanAttackedWidth + 1e-12 && row.MeanAttackedWidth <= row.MeanWidth + 1e-9 * (1 + row.MeanWidth));
        }
        // Random corners rarely hold a ball's extremes: the search moves the reading further than they do.
        Assert.Contains(proved, row => row.Eps > 0 && row.MeanAttackedWidth > row.MeanSampledWidth * 1.01);
        foreach (var at0 in proved.Where(p => p.Eps == 0))
        {
            Assert.Equal(at0.Center, at0.Delta, 1e-5 * (1 + at0.Center));
            Assert.True(proved.Single(p => p.Concept == at0.Concept && p.Eps > 0).Delta > at0.Delta);
        }
        Assert.Contains("def probe_slant_proved_δ : List (ℚ × ℚ) := [((0 : ℚ), ", lean);
        Assert.Contains("## The probe proved over balls", File.ReadAllText(Path.Combine(run, "report.md")));

        Assert.Equal(CliApp.Ok, CliApp.Run(["export", "lean", "--run", run, "--out", dir.File("Probe.lean")]));
        Assert.Equal(File.ReadAllBytes(Path.Combine(run, "probe.lean")), File.ReadAllBytes(dir.File("Probe.lean")));
    }

    [Fact]
    public void Export_of_a_folder_that_is_not_a_run_fails_with_1_and_a_corrupt_probe_file_too()
    {
        using var dir = new TempDir();
        Assert.Equal(CliApp.Failure, CliApp.Run(["export", "lean", "--run", dir.Path, "--out", dir.File("P.lean")]));
        File.WriteAllText(dir.File("probe.json"), "{ not json");
        Assert.Equal(CliApp.Failure, CliApp.Run(["export", "lean", "--run", dir.Path, "--out", dir.File("P.lean")]));
        Assert.False(File.Exists(dir.File("P.lean")));
    }
}
