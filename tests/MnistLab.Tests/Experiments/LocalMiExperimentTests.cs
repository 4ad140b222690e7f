using System.Text.Json;
using MnistLab.Data;
using MnistLab.Experiments.LocalMi;
using MnistLab.Tests.Support;
using MnistLab.Training;

namespace MnistLab.Tests.Experiments;

public class LocalMiExperimentTests
{
    [Fact]
    public void Runs_every_configuration_on_tiny_data_and_writes_the_report()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path, train: 200, test: 50);
        using var mnist = Mnist.Load(MnistLocator.TryFolder(dir.Path)!);
        var run = new LocalMiExperiment().RunInto(new LocalMiExperimentOptions { Rule = new LocalMiOptions { EpochsPerLayer = 1, ReadoutEpochs = 1, BatchSize = 32 } },
            dir.File("r"), LabData.Of(mnist));
        var result = run.Result;
        Assert.Equal(["local_hard_sequential", "local_hard_simultaneous", "local_soft_sequential", "local_soft_simultaneous", "backprop", "pixels_readout"],
            result.Configs.Select(c => c.Key));
        Assert.Equal(784, result.PixelMi.Length);
        var hard = result.Configs[0];
        Assert.Equal(2, hard.Layers.Count);
        Assert.Equal(0, hard.Layers[0].MeanMiGradNorm);
        Assert.True(result.Configs[2].Layers[0].MeanMiGradNorm > 0);
        // Soft against hard is measured on each local configuration's trained first layer, not on a made-up one.
        Assert.All(result.Configs.Take(4), c => Assert.InRange(c.SoftHardMeanAbsDiff!.Value, 0, Math.Log(10)));
        Assert.All(result.Configs.Skip(4), c => Assert.Null(c.SoftHardMeanAbsDiff));
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("r/metrics.json")));
        var mi = doc.RootElement.GetProperty("configs").GetProperty("local_hard_sequential").GetProperty("mi_per_neuron");
        Assert.Equal(2, mi.GetArrayLength());
        Assert.Equal(16, mi[0].GetArrayLength());
        Assert.True(File.Exists(dir.File("r/pixel_mi.png")));
        Assert.True(File.Exists(dir.File("r/gram_local_soft_sequential_layer2.png")));
    }
}
