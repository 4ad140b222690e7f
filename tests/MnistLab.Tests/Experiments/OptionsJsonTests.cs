using System.Text.Json;
using MnistLab.Analysis.Information;
using MnistLab.Common;
using MnistLab.Experiments;
using MnistLab.Experiments.Fast;
using MnistLab.Experiments.Linearity;
using MnistLab.Experiments.LocalMi;
using MnistLab.Experiments.Ring;
using MnistLab.Experiments.Rotated;
using MnistLab.Experiments.VaeProbe;
using MnistLab.Training;

namespace MnistLab.Tests.Experiments;

/// <summary>
/// `analyze` rebuilds a run from the options its checkpoints recorded as JSON, the resume check compares them as
/// JSON, and sweeps and --set change them through JSON: every experiment's options must come back from JSON equal.
/// </summary>
public class OptionsJsonTests
{
    static void RoundTrip(object options)
    {
        string json = JsonSerializer.Serialize(options, options.GetType(), Json.Options);
        var back = JsonSerializer.Deserialize(json, options.GetType(), Json.Options);
        Assert.Equal(json, JsonSerializer.Serialize(back, options.GetType(), Json.Options));
    }

    [Fact]
    public void Every_experiments_options_survive_json()
    {
        foreach (var e in Registry.All)
            foreach (var options in new[] { e.DefaultOptions, e.QuickOptions })
                RoundTrip(e.WithSeed(options, 7));
        RoundTrip(new LocalMiExperimentOptions { Rule = new LocalMiOptions { Bins = Binning.Width(12, -2, 2) }, Estimators = [MiEstimator.Soft], Orders = [UpdateOrder.Simultaneous] });
        RoundTrip(new RotatedOptions { Data = new() { Generate = new() { BackgroundsDir = "/tmp/textures" } } });
    }

    [Fact]
    public void The_local_rules_bins_keep_their_json_and_keys_and_take_fixed_range_bins_only()
    {
        // The rule's bins and the information plane's are one type, written as each always was (metrics.json, checkpoints).
        var rule = JsonSerializer.SerializeToNode(new LocalMiOptions(), Json.Options)!["bins"]!.AsObject();
        Assert.Equal(["count", "min", "max", "width"], rule.Select(p => p.Key));
        var plane = JsonSerializer.SerializeToNode(new PlaneOptions(), Json.Options)!["binning"]!.AsObject();
        Assert.Equal(["kind", "count", "min", "max", "data_range"], plane.Select(p => p.Key));
        Assert.Equal(["rule.bins.count", "rule.bins.min", "rule.bins.max"], OptionPaths.Keys(typeof(LocalMiExperimentOptions)).Where(k => k.StartsWith("rule.bins.")));
        Assert.Equal(Binning.Width(12, -3, 3), OptionPaths.With(new LocalMiOptions(), [("bins.count", "12")]).Bins);
        Assert.Equal("LocalMiOptions.Bins", Assert.Throws<InvalidOptionException>(() => new LocalMiOptions { Bins = Binning.Mass(10) }.Validated()).Option);
    }

    [Fact]
    public void Quick_budgets_are_smaller_and_keep_the_seeds_architectures()
    {
        var lin = Registry.Get<LinearityExperiment>();
        var ring = Registry.Get<RingExperiment>();
        var mi = Registry.Get<LocalMiExperiment>();
        var vae = Registry.Get<VaeProbeExperiment>();
        var rot = Registry.Get<RotatedExperiment>();
        var fast = Registry.Get<FastExperiment>();
        Assert.True(lin.Quick.Train.Epochs < lin.Defaults.Train.Epochs);
        Assert.True(fast.Quick.Seeds == 1 && fast.Quick.Seeds < fast.Defaults.Seeds && fast.Quick.Epochs == fast.Defaults.Epochs);
        Assert.True(ring.Quick.Train.Epochs < ring.Defaults.Train.Epochs && ring.Quick.AblationSeeds < ring.Defaults.AblationSeeds);
        Assert.True(mi.Quick.Rule.ReadoutEpochs < mi.Defaults.Rule.ReadoutEpochs);
        Assert.True(vae.Quick.Train.Epochs < vae.Defaults.Train.Epochs);
        Assert.True(rot.Quick.Train.Epochs < rot.Defaults.Train.Epochs && rot.Quick.Data.Generate.TestCount < rot.Defaults.Data.Generate.TestCount);
        Assert.Equal(mi.Defaults.Rule.Layers, mi.Quick.Rule.Layers);
        Assert.Equal(vae.Defaults.LatentDim, vae.Quick.LatentDim);
        Assert.Equal(lin.Defaults.MlpHidden, lin.Quick.MlpHidden);
        // The defaults are the seeds' (the options records' own defaults).
        Assert.Equal(new LinearityOptions(), lin.Defaults);
        Assert.Equal(new RingOptions().Train, ring.Defaults.Train);
        Assert.Equal(10, vae.Defaults.Train.Epochs);
        Assert.Equal(5, rot.Defaults.Train.Epochs);
    }

    [Fact]
    public void Options_are_set_by_their_json_keys_and_a_bad_key_lists_the_valid_ones()
    {
        var ring = Registry.Get<RingExperiment>();
        var set = OptionPaths.With(ring.Defaults, [("train.epochs", "2"), ("alpha", "0.01"), ("ablation_seeds", "0")]);
        Assert.Equal((2, 0.01, 0), (set.Train.Epochs, set.Alpha, set.AblationSeeds));
        Assert.Equal(5, ring.Defaults.Train.Epochs); // the original is untouched
        Assert.Equal("TrainOptions.Epochs", OptionPaths.LibraryName(typeof(RingOptions), "train.epochs"));

        var unknown = Assert.Throws<InvalidOptionException>(() => OptionPaths.With(ring.Defaults, [("train.epoch", "2")]));
        Assert.Contains("train.epochs", unknown.Message);
        Assert.Contains("ablation_seeds", unknown.Message);
        Assert.Contains("integer", Assert.Throws<InvalidOptionException>(() => OptionPaths.With(ring.Defaults, [("train.epochs", "two")])).Message);

        var mi = OptionPaths.With(Registry.Get<LocalMiExperiment>().Defaults, [("estimators", "soft"), ("rule.layers", "[32,8]")]);
        Assert.Equal([MiEstimator.Soft], mi.Estimators);
        Assert.Equal([32, 8], mi.Rule.Layers);
        Assert.Equal("/x.zip", OptionPaths.With(Registry.Get<RotatedExperiment>().Defaults, [("data.amat", "/x.zip")]).Data.Amat);
    }
}
