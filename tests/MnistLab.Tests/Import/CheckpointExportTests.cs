using System.Diagnostics;
using System.Globalization;
using MnistLab.Cli;
using MnistLab.Data;
using MnistLab.Experiments.Ring;
using MnistLab.Import;
using MnistLab.Tests.Support;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Tests.Import;

/// <summary>A model trained by MnistLab goes to PyTorch: its checkpoint exported as a state_dict under the seed's names.</summary>
[Collection(RealMnistCollection.Name)]
public class CheckpointExportTests(RealMnist mnist)
{
    [SkippableFact]
    public void A_ring_checkpoint_exports_under_seed_000s_names_and_pytorch_loads_it()
    {
        using var dir = new TempDir();
        string run = dir.File("ring");
        new RingExperiment().RunInto(new RingOptions { Train = new TrainOptions { Epochs = 1 }, AblationSeeds = 0 }, run, LabData.Of(mnist.Data));
        string ckpt = Path.Combine(run, "checkpoints", Checkpointing.FileName("linear pixels+ring a=0.001 seed 0"));
        string pt = dir.File("linear.pt"), st = dir.File("linear.safetensors");
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "export", "--checkpoint", ckpt, "--to", pt]));
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "export", "--checkpoint", ckpt, "--to", st]));

        using var model = Checkpoint.Read(ckpt).LoadModel();
        var weights = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        foreach (var file in new[] { StateDictFile.ReadPyTorch(pt), StateDictFile.ReadSafetensors(st) })
            using (file)
            {
                Assert.Equal(["W.bias", "W.weight"], file.Tensors.Keys.Order());
                Assert.True(file.Tensors["W.weight"].equal(weights["fc.weight"]).all().item<bool>());
                Assert.True(file.Tensors["W.bias"].equal(weights["fc.bias"]).all().item<bool>());
            }

        // Seed 000's own module loads it strictly and computes the same logits.
        Skip.IfNot(File.Exists("/usr/bin/python3"), "no /usr/bin/python3 here");
        string script = $$"""
            import torch
            class LinearSoftmax(torch.nn.Module):
                def __init__(self, in_dim, num_classes):
                    super().__init__()
                    self.W = torch.nn.Linear(in_dim, num_classes, bias=True)
                def forward(self, x):
                    return self.W(x)
            m = LinearSoftmax(785, 10)
            m.load_state_dict(torch.load('{{pt}}'), strict=True)
            x = torch.zeros(1, 785); x[0, 100] = 1.0; x[0, 784] = 1.0
            print(repr(float(m(x)[0, 3])))
            """;
        var psi = new ProcessStartInfo("/usr/bin/python3", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string said = p.StandardOutput.ReadToEnd().Trim(), error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Skip.If(error.Contains("No module named 'torch'"), "PyTorch is not installed (apt-get install python3-torch)");
        Assert.True(p.ExitCode == 0, error);
        double expected = weights["fc.bias"][3].item<float>() + weights["fc.weight"][3, 100].item<float>() + weights["fc.weight"][3, 784].item<float>();
        Assert.Equal(expected, double.Parse(said, CultureInfo.InvariantCulture), 1e-5);
    }
}
