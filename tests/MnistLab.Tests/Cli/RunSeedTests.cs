using MnistLab.Cli;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Common;
using MnistLab.Experiments;
using MnistLab.Experiments.Rotated;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Cli;

/// <summary>
/// A run has one seed, given by --seed. Before, `run ring --set train.seed=7` ran with seed 0: the key was accepted,
/// then overwritten by --seed's default, and nested seeds such as probe.probe.seed never reached their probe.
/// </summary>
public class RunSeedTests
{
    [Theory]
    [InlineData("ring", "train.seed=7")]
    [InlineData("ring", "probe.probe.seed=7")]
    [InlineData("ring", "seed=7")]
    [InlineData("linearity", "train.seed=7")]
    [InlineData("linearity", "plane.seed=7")]
    [InlineData("local-mi", "rule.seed=7")]
    [InlineData("local-mi", "plane.seed=7")]
    [InlineData("vae-probe", "train.seed=7")]
    [InlineData("vae-probe", "encoder_probe.probe.seed=7")]
    [InlineData("rotated", "train.seed=7")]
    [InlineData("fast", "seed=7")]
    public void A_seed_given_through_set_is_refused_with_a_pointer_to_the_seed_flag(string experiment, string set)
    {
        var settings = new RunSettings { Set = [set] };
        var e = Assert.Throws<InvalidOptionException>(() => settings.Options(Registry.Get(experiment)));
        Assert.Contains("--seed", e.Message);
        Assert.Contains(set[..set.IndexOf('=')], e.Message);
    }

    [Fact]
    public void Every_experiment_has_one_seed_at_the_top_of_its_options_and_seed_gives_it()
    {
        foreach (var e in Registry.All)
        {
            Assert.Equal(["seed"], RunSeed.Keys(e));
            var seeds = OptionPaths.Keys(e.OptionsType).Where(k => k.Split('.')[^1] == "seed").Order().ToList();
            Assert.Equal(e is RotatedExperiment ? ["data.generate.seed", "seed"] : ["seed"], seeds); // the generated data's seed is its own
            var options = new RunSettings { Seed = 7 }.Options(e);
            Assert.Equal(7, System.Text.Json.JsonSerializer.SerializeToElement(options, e.OptionsType, Json.Options).GetProperty("seed").GetInt64());
        }
    }

    [Fact]
    public void The_generated_datas_own_seed_is_an_option_and_is_honoured()
    {
        var options = (RotatedOptions)new RunSettings { Set = ["data.generate.seed=3"] }.Options(Registry.Get("rotated"));
        Assert.Equal(3, options.Data.Generate.Seed);
    }

    [Fact]
    public void The_command_line_refuses_a_seed_through_set_before_reading_any_data()
    {
        using var p = CliProcess.Start("run", "ring", "--set", "train.seed=7", "--no-fetch", "--data", "/nonexistent");
        int code = p.Wait(TimeSpan.FromMinutes(2));
        Assert.Equal(CliApp.Usage, code);
        Assert.Contains("--seed", p.Words);
    }
}
