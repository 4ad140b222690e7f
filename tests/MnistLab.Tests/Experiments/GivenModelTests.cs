using System.Text.Json;
using MnistLab.Cli;
using MnistLab.Common;
using MnistLab.Experiments;
using MnistLab.Data;
using MnistLab.Experiments.Rotated;
using MnistLab.Experiments.VaeProbe;
using MnistLab.Import;
using MnistLab.Models;
using MnistLab.Tests.Import;
using MnistLab.Tests.Support;
using MnistLab.Training;

namespace MnistLab.Tests.Experiments;

/// <summary>The VAE probe and the rotated experiment analyse a model imported from PyTorch instead of training their own.</summary>
[Collection(RealMnistCollection.Name)]
public class GivenModelTests(RealMnist mnist)
{
    [Fact]
    public void The_vae_probe_probes_the_imported_seed_004_vae_and_says_so()
    {
        using var dir = new TempDir();
        string model = dir.File("vae");
        ModelImport.Run(new ModelImportOptions(ModelFixtures.File("vae.pt"), model, Kind: "vae-probe"), mnist.Data.Test);
        string run = dir.File("run");
        // The sections after the probe at a small budget: this test is about reading the imported VAE.
        Assert.Equal(CliApp.Ok, CliApp.Run(["run", "vae-probe", "--model", model, "--out", run, "--threads", "2",
            "--set", "dictionary.epochs=1", "--set", "certified_probe.images=10"]));

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        var root = doc.RootElement;
        Assert.Equal(0, root.GetProperty("loss_per_epoch").GetArrayLength()); // nothing trained
        Assert.EndsWith("vae.pt", root.GetProperty("model").GetProperty("source").GetString());
        Assert.Contains("was not trained by this run", File.ReadAllText(Path.Combine(run, "report.md")));
        Assert.False(File.Exists(Path.Combine(run, "loss.png")));

        // The probe reads the imported VAE's latent means: those PyTorch computed for it, within float rounding.
        var expected = NpyReader.Read(ModelFixtures.File("vae.mu.npy"));
        using var loaded = LoadedModel.FromFolder(model);
        var means = VaeTrainer.LatentMeans((Vae)loaded.Model, mnist.Data.Test);
        int d = means.GetLength(1);
        for (int i = 0; i < expected.Shape[0]; i++)
            for (int j = 0; j < d; j++)
                Assert.Equal(expected.Values[i * d + j], means[i, j], 1e-4);
        Assert.Equal(d, root.GetProperty("latent_dim").GetInt32());
    }

    [Fact]
    public void The_rotated_experiment_analyses_a_given_resnet_against_a_fresh_initialisation()
    {
        using var dir = new TempDir();
        // A ResNet as PyTorch would save it (the seed's names), imported with --kind rotated; evaluated on 200 test images to keep this short.
        using (var g = Seeds.Generator(11, "given/resnet"))
        using (var resnet = new RotResNet(g))
        using (var file = File.Create(dir.File("resnet.pt")))
            TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(file, resnet.state_dict());
        using var few = mnist.Data.Test.Subset(TorchSharp.torch.arange(200, dtype: TorchSharp.torch.ScalarType.Int64), "test/200");
        ModelImport.Run(new ModelImportOptions(dir.File("resnet.pt"), dir.File("resnet"), Kind: "rotated"), few);

        var options = new RotatedOptions
        {
            Model = dir.File("resnet"), LinearEpochs = 1,
            Data = new RotatedData { Generate = new RotBackOptions { TrainValidCount = 50, TestCount = 20 } },
        };
        var run = new RotatedExperiment().RunInto(options, dir.File("run"), LabData.Of(mnist.Data));
        Assert.Empty(run.Result.History.Epochs); // nothing trained
        Assert.NotNull(run.Result.Given);
        Assert.All(run.Result.Filters, f => Assert.True(f.RelativeChange > 0)); // set against a fresh initialisation, not itself
        string report = File.ReadAllText(dir.File("run/report.md"));
        Assert.Contains("was not trained by this run", report);
        Assert.Contains("distance from a fresh init", report);
    }

    [Fact]
    public void A_model_of_another_kind_is_refused_with_its_folder()
    {
        using var dir = new TempDir();
        string model = dir.File("mlp");
        ModelImport.Run(new ModelImportOptions(ModelFixtures.File("mlp.pt"), model, Arch: ModelFixtures.File("mlp.json")), mnist.Data.Test);
        var options = new VaeProbeOptions { Model = model };
        var e = Assert.Throws<MnistLabException>(() => new VaeProbeExperiment().Run(options, LabData.Of(mnist.Data), RunContext.None));
        Assert.Contains(model, e.Message);
        Assert.Contains("--kind vae-probe", e.Message);
        Assert.Throws<MnistLabException>(() => new RotatedExperiment().Run(new RotatedOptions { Model = model, Data = new() { Generate = new() { TrainValidCount = 50, TestCount = 20 } } },
            LabData.Of(mnist.Data), RunContext.None));
    }
}
