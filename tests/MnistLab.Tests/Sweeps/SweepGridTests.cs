using MnistLab.Cli;
using MnistLab.Common;
using MnistLab.Experiments.Linearity;
using MnistLab.Experiments.Ring;
using MnistLab.Sweeps;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Sweeps;

public class SweepGridTests
{
    [Theory]
    [InlineData("0-19", 20, 0, 19)]
    [InlineData("7", 1, 7, 7)]
    [InlineData("0,3,7", 3, 0, 7)]
    [InlineData("0-2, 10-11", 5, 0, 11)]
    public void Seeds_are_ranges_and_lists(string text, int count, long first, long last)
    {
        var seeds = SeedList.Parse(text);
        Assert.Equal(count, seeds.Count);
        Assert.Equal(first, seeds[0]);
        Assert.Equal(last, seeds[^1]);
    }

    [Theory]
    [InlineData("5-3", "runs backwards")]
    [InlineData("a", "is not a seed")]
    [InlineData("-1", "is not a seed")]
    [InlineData("0,,2", "an empty item")]
    [InlineData("0-3,2", "seed 2 is given twice")]
    public void Bad_seeds_say_what_is_wrong(string text, string why)
    {
        var e = Assert.Throws<InvalidOptionException>(() => SeedList.Parse(text));
        Assert.Contains(why, e.Message);
        Assert.Contains("e.g. 0-19", e.Message);
    }

    [Fact]
    public void Indices_are_written_compactly_for_slurm() =>
        Assert.Equal("0-2,5,7-8", SeedList.Compact([8, 0, 1, 2, 5, 7]));

    [Fact]
    public void Values_split_on_commas_outside_brackets()
    {
        Assert.Equal(["2", "5"], SweepAxis.Parse("train.epochs=2,5").Values);
        var lists = SweepAxis.Parse("models=[linear_ce,mlp_ce],[mlp_ce], linear_ce");
        Assert.Equal("models", lists.Key);
        Assert.Equal(["[linear_ce,mlp_ce]", "[mlp_ce]", "linear_ce"], lists.Values);
        Assert.Equal(["[16,32]", "[64]"], SweepAxis.Parse("hidden=[16,32],[64]").Values);
        // A bracketed list that is not JSON is handed on as the comma form the options reader takes item by item.
        Assert.Equal("linear_ce,mlp_ce", SweepAxis.OptionValue("[linear_ce,mlp_ce]"));
        Assert.Equal("[16,32]", SweepAxis.OptionValue("[16,32]"));
    }

    [Theory]
    [InlineData("train.epochs", "no '='")]
    [InlineData("=1,2", "no key")]
    [InlineData("alpha=", "no value")]
    [InlineData("alpha=1,,2", "an empty value")]
    [InlineData("models=[linear_ce,mlp_ce", "without its ']'")]
    [InlineData("models=linear_ce]", "without its '['")]
    [InlineData("alpha=1,1", "given twice")]
    public void Bad_axes_say_what_is_wrong(string text, string why)
    {
        var e = Assert.Throws<InvalidOptionException>(() => SweepAxis.Parse(text));
        Assert.Contains(why, e.Message);
        Assert.Equal("SweepSpec.Axes", e.Option);
    }

    static SweepSpec Ring(params string[] axes) =>
        new() { Experiment = "ring", Seeds = [0, 1], Axes = axes.Select(SweepAxis.Parse).ToList(), Quick = true };

    [Fact]
    public void The_grid_is_every_seed_times_every_setting_seed_by_seed()
    {
        var spec = Ring("alpha=0,0.01", "train.epochs=1,2,3");
        var points = spec.Points();
        Assert.Equal(2 * 2 * 3, points.Count);
        Assert.Equal(Enumerable.Range(0, 12), points.Select(p => p.Index));
        Assert.All(points.Take(6), p => Assert.Equal(0, p.Seed));
        Assert.Equal("alpha=0, train.epochs=1", points[0].SettingLabel);
        Assert.Equal("alpha=0.01, train.epochs=3", points[5].SettingLabel);

        // Each point's options: the quick budget, its setting, its seed.
        var options = (RingOptions)spec.OptionsOf(points[11]);
        Assert.Equal(0.01, options.Alpha);
        Assert.Equal(3, options.Train.Epochs);
        Assert.Equal(1, options.Seed);
        Assert.Equal(new RingExperiment().Quick.AblationSeeds, options.AblationSeeds);
    }

    [Fact]
    public void An_axis_of_one_value_is_named_once_not_in_every_label()
    {
        var spec = new SweepSpec { Experiment = "linearity", Seeds = [0], Axes = [SweepAxis.Parse("models=[mlp_ce]"), SweepAxis.Parse("train.epochs=1,2")] };
        Assert.Equal(["train.epochs=1", "train.epochs=2"], spec.Points().Select(p => p.SettingLabel));
        Assert.Equal(["mlp_ce"], ((LinearityOptions)spec.OptionsOf(spec.Points()[0])).Models);
        var single = new SweepSpec { Experiment = "linearity", Seeds = [0], Axes = [SweepAxis.Parse("models=linear_ce")] };
        Assert.Equal("models=linear_ce", single.Points()[0].SettingLabel);
        Assert.Equal("default", new SweepSpec { Experiment = "linearity", Seeds = [0] }.Points()[0].SettingLabel);
    }

    [Fact]
    public void An_unknown_key_lists_the_valid_keys()
    {
        var e = Assert.Throws<InvalidOptionException>(() => Ring("alhpa=0,1").Validated());
        Assert.Contains("'alhpa' is not an option of RingOptions", e.Message);
        foreach (string key in OptionPaths.Keys(typeof(RingOptions))) Assert.Contains(key, e.Message);
        Assert.Contains("train.epochs", e.Message);
    }

    [Theory]
    [InlineData("train.epochs=2,two", "train.epochs expects an integer, got 'two'")]
    [InlineData("alpha=0,x", "alpha expects a number, got 'x'")]
    [InlineData("train.epochs=2,0", "TrainOptions.Epochs must be ≥ 1, got 0")]
    [InlineData("train.seed=1,2", "train.seed is the run's seed")]
    public void A_value_of_the_wrong_type_or_out_of_range_names_the_setting(string axis, string message)
    {
        var e = Assert.Throws<InvalidOptionException>(() => Ring(axis).Validated());
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("train.epochs=2,two")]
    [InlineData("alpha=0,x")]
    public void A_value_of_the_wrong_type_lists_the_valid_keys(string axis)
    {
        var e = Assert.Throws<InvalidOptionException>(() => Ring(axis).Validated());
        Assert.Contains("the options of RingOptions are", e.Message);
        foreach (string key in OptionPaths.Keys(typeof(RingOptions))) Assert.Contains(key, e.Message);
    }

    [Fact]
    public void List_options_take_bracketed_lists_and_check_their_items()
    {
        var spec = new SweepSpec { Experiment = "linearity", Seeds = [0], Axes = [SweepAxis.Parse("models=[linear_ce,mlp_ce],[mlp_ce]")] }.Validated();
        Assert.Equal(["linear_ce", "mlp_ce"], ((LinearityOptions)spec.OptionsOf(spec.Points()[0])).Models);
        Assert.Equal(["mlp_ce"], ((LinearityOptions)spec.OptionsOf(spec.Points()[1])).Models);
        var e = Assert.Throws<InvalidOptionException>(() => new SweepSpec { Experiment = "linearity", Seeds = [0], Axes = [SweepAxis.Parse("models=[svm]")] }.Validated());
        Assert.Contains("unknown model 'svm'", e.Message);
    }

    [Fact]
    public void A_folder_keeps_its_grid_a_second_invocation_reopens_it_and_another_grid_is_refused()
    {
        using var dir = new TempDir();
        string folder = dir.File("sweep");
        var plan = SweepPlan.Create(folder, Ring("alpha=0,0.01"));
        Assert.True(File.Exists(Path.Combine(folder, "sweep.json")));
        Assert.True(Directory.Exists(plan.PointsFolder));
        var again = SweepPlan.Create(folder, Ring("alpha=0,0.01"));
        Assert.Equal(plan.Points.Select(p => p.ToString()), again.Points.Select(p => p.ToString()));
        var e = Assert.Throws<InvalidOptionException>(() => SweepPlan.Create(folder, Ring("alpha=0,0.1")));
        Assert.Contains("holds a sweep of another grid", e.Message);
        Assert.Contains("alpha=0,0.01", e.Message);

        File.WriteAllText(dir.File("notes.txt"), "mine");
        Assert.Contains("is a file", Assert.Throws<InvalidOptionException>(() => SweepPlan.Create(dir.File("notes.txt"), Ring())).Message);
        Assert.Contains("is not a sweep", Assert.Throws<InvalidOptionException>(() => SweepPlan.Create(dir.Path, Ring())).Message);
        File.WriteAllText(Path.Combine(folder, "sweep.json"), "{ broken");
        Assert.Contains(Path.Combine(folder, "sweep.json"), Assert.Throws<DataFormatException>(() => SweepPlan.Open(folder)).Message);
    }

    [Fact]
    public void A_sweep_grows_by_seeds_and_values_keeping_its_points_under_their_indices()
    {
        using var dir = new TempDir();
        string folder = dir.File("sweep");
        var small = SweepPlan.Create(folder, Ring("alpha=0,0.01"));
        Assert.Empty(small.Added);
        var before = small.Points.Select(p => (p.Index, p.Seed, Label: SweepSpec.Label(p.Setting))).ToList();

        var seeds = SweepPlan.Create(folder, Ring("alpha=0,0.01") with { Seeds = [0, 1, 2] });
        Assert.Equal(before, seeds.Points.Take(4).Select(p => (p.Index, p.Seed, SweepSpec.Label(p.Setting))));
        Assert.Equal([(4, 2L), (5, 2L)], seeds.Added.Select(p => (p.Index, p.Seed)));

        var values = SweepPlan.Create(folder, Ring("alpha=0,0.01,0.1") with { Seeds = [0, 1, 2] });
        Assert.Equal(9, values.Points.Count);
        Assert.Equal(before, values.Points.Take(4).Select(p => (p.Index, p.Seed, SweepSpec.Label(p.Setting))));
        Assert.Equal(["alpha=0.1", "alpha=0.1", "alpha=0.1"], values.Added.Select(p => p.SettingLabel));
        Assert.Equal([6, 7, 8], values.Added.Select(p => p.Index));

        // Read back, the folder's points are those it grew, in the order of their indices, and the same grid reopens as it is.
        var reopened = SweepPlan.Open(folder);
        Assert.Equal(values.Points, reopened.Points, (a, b) => a.Index == b.Index && a.Seed == b.Seed && a.Setting.SequenceEqual(b.Setting) && a.SettingLabel == b.SettingLabel);
        Assert.Empty(SweepPlan.Create(folder, Ring("alpha=0,0.01,0.1") with { Seeds = [0, 1, 2] }).Added);
        Assert.Equal(0.1, ((RingOptions)reopened.Spec.OptionsOf(reopened.Points[8])).Alpha);
    }

    [Theory]
    [InlineData("linearity", "0,1", "alpha=0,0.01", "this one is of linearity")]
    [InlineData("ring", "1,2", "alpha=0,0.01", "leaves out seed 0")]
    [InlineData("ring", "0,1", "alpha=0", "leaves out alpha=0.01")]
    [InlineData("ring", "0,1", "train.epochs=1,2", "this one varies train.epochs, that one alpha")]
    public void A_sweep_that_would_shrink_or_change_is_refused_saying_what_differs(string experiment, string seeds, string axis, string why)
    {
        using var dir = new TempDir();
        string folder = dir.File("sweep");
        SweepPlan.Create(folder, Ring("alpha=0,0.01"));
        var written = File.ReadAllText(Path.Combine(folder, "sweep.json"));
        var spec = new SweepSpec { Experiment = experiment, Seeds = SeedList.Parse(seeds), Axes = experiment == "ring" ? [SweepAxis.Parse(axis)] : [], Quick = true };
        var e = Assert.Throws<InvalidOptionException>(() => SweepPlan.Create(folder, spec));
        Assert.Contains("holds a sweep of another grid (ring --quick, 2 seeds x 2 settings (alpha=0,0.01))", e.Message);
        Assert.Contains(why, e.Message);
        Assert.Equal(written, File.ReadAllText(Path.Combine(folder, "sweep.json")));
    }

    [Fact]
    public void A_sweep_json_whose_points_are_not_its_grid_is_refused()
    {
        using var dir = new TempDir();
        string folder = dir.File("sweep");
        SweepPlan.Create(folder, Ring("alpha=0,0.01"));
        string path = Path.Combine(folder, "sweep.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        json["points"]![2]!["seed"] = 0; // point 2 (seed 1, alpha=0) now repeats point 0
        File.WriteAllText(path, json.ToJsonString());
        var e = Assert.Throws<DataFormatException>(() => SweepPlan.Open(folder));
        Assert.Contains("its points are not those of its seeds and axes", e.Message);
    }

    [Theory]
    [InlineData("sweep", "run", "--experiment", "ring", "--seeds", "0-1", "--set", "alhpa=0,1", "--out", "OUT")]
    [InlineData("sweep", "run", "--experiment", "ring", "--seeds", "0-1", "--set", "alpha=0,x", "--out", "OUT")]
    [InlineData("sweep", "run", "--experiment", "ring", "--seeds", "3-1", "--out", "OUT")]
    [InlineData("sweep", "run", "--experiment", "nosuch", "--seeds", "0", "--out", "OUT")]
    [InlineData("sweep", "run", "--experiment", "ring", "--out", "OUT")]
    [InlineData("sweep", "run", "--experiment", "ring", "--seeds", "0")]
    [InlineData("sweep", "run", "--experiment", "ring", "--seeds", "0", "--out", "OUT", "--jobs", "0")]
    [InlineData("sweep", "point", "0", "OUT", "--status")]
    [InlineData("sweep", "point", "-1", "OUT")]
    [InlineData("sweep", "status", "OUT")]
    [InlineData("sweep", "run", "--experiment", "ring", "--seeds", "0", "--out", "OUT", "--slurm", "--mem", "lots")]
    public void Bad_sweeps_are_usage_errors_and_write_nothing(params string[] args)
    {
        using var dir = new TempDir();
        string outDir = dir.File("out");
        Assert.Equal(CliApp.Usage, CliApp.Run(args.Select(a => a == "OUT" ? outDir : a).ToArray()));
        Assert.False(File.Exists(Path.Combine(outDir, "sweep.json")));
    }

    [Fact]
    public void Help_of_sweep_exits_with_0() => Assert.Equal(CliApp.Ok, CliApp.Run(["sweep", "--help"]));
}
