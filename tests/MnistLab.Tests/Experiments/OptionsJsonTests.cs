using System.Text.Json;
using MnistLab.Analysis;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments;
using MnistLab.Training;

namespace MnistLab.Tests.Experiments;

/// <summary>
/// `analyze` rebuilds a run from the options its checkpoints recorded as JSON, and the resume check compares
/// them as JSON: every experiment's options must come back from JSON equal and serialise the same again.
/// </summary>
public class OptionsJsonTests
{
    static void RoundTrip<T>(T options)
    {
        string json = Json.Serialize(options);
        var back = JsonSerializer.Deserialize<T>(json, Json.Options);
        Assert.Equal(json, Json.Serialize(back));
    }

    [Fact]
    public void Every_experiments_options_survive_json()
    {
        foreach (bool quick in new[] { false, true })
        {
            var plan = new LabPlan(quick, Seed: 7);
            RoundTrip(plan.Linearity with { Models = ["mlp_ce"] });
            RoundTrip(plan.Ring);
            RoundTrip(new LocalMiSelection(plan.LocalMi with { Estimator = MiEstimator.Soft, Bins = new MiBins(12, -2, 2) },
                [MiEstimator.Soft], [UpdateOrder.Simultaneous]));
            RoundTrip(plan.VaeProbe);
            RoundTrip(plan.Rotated);
            RoundTrip(plan.RotatedData with { BackgroundsDir = "/tmp/textures" });
        }
    }

    [Fact]
    public void Quick_budgets_are_smaller_and_keep_the_seeds_architectures()
    {
        LabPlan full = new(false, 0), quick = new(true, 0);
        Assert.True(quick.Linearity.Train.Epochs < full.Linearity.Train.Epochs);
        Assert.True(quick.Ring.Train.Epochs < full.Ring.Train.Epochs && quick.Ring.AblationSeeds < full.Ring.AblationSeeds);
        Assert.True(quick.LocalMi.ReadoutEpochs < full.LocalMi.ReadoutEpochs);
        Assert.True(quick.VaeProbe.Train.Epochs < full.VaeProbe.Train.Epochs);
        Assert.True(quick.Rotated.Train.Epochs < full.Rotated.Train.Epochs && quick.RotatedData.TestCount < full.RotatedData.TestCount);
        Assert.Equal(full.LocalMi.Layers, quick.LocalMi.Layers);
        Assert.Equal(full.VaeProbe.LatentDim, quick.VaeProbe.LatentDim);
        Assert.Equal(full.Linearity.MlpHidden, quick.Linearity.MlpHidden);
        // Full budgets are the seeds' defaults.
        Assert.Equal(new LinearityOptions().Train.Epochs, full.Linearity.Train.Epochs);
        Assert.Equal(new RingOptions().Train.Epochs, full.Ring.Train.Epochs);
        Assert.Equal(new VaeProbeOptions().Train.Epochs, full.VaeProbe.Train.Epochs);
        Assert.Equal(new RotatedOptions().Train.Epochs, full.Rotated.Train.Epochs);
    }
}
