using System.Text.Json;
using System.Text.Json.Nodes;
using MnistLab.Sweeps;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Sweeps;

/// <summary>Sweeps whose points are written by hand, with known figures, read back as a sweep's answers.</summary>
public class SweepAggregateTests
{
    /// <summary>A point's metrics.json as a run writes it: the experiment and its headline figures.</summary>
    static void Point(SweepPlan plan, int index, params (string Key, string Kind, double Value)[] figures)
    {
        string folder = plan.PointFolder(index);
        Directory.CreateDirectory(folder);
        var headlines = figures.ToDictionary(f => f.Key, f => new { label = f.Key, @short = f.Key, kind = f.Kind, value = f.Value });
        File.WriteAllText(Path.Combine(folder, "metrics.json"), JsonSerializer.Serialize(new { experiment = plan.Spec.Experiment, headlines }));
    }

    static SweepPlan Ring(TempDir dir, int seeds, params string[] axes) =>
        SweepPlan.Create(dir.File("sweep"), new SweepSpec { Experiment = "ring", Seeds = Enumerable.Range(0, seeds).Select(s => (long)s).ToList(), Axes = axes.Select(SweepAxis.Parse).ToList(), Quick = true });

    [Fact]
    public void The_ring_effect_reads_as_a_sentence_with_its_interval()
    {
        using var dir = new TempDir();
        var plan = Ring(dir, 20);
        foreach (var p in plan.Points)
            Point(plan, p.Index, ("ring_gain_linear", "points", 0.01), ("ring_gain_mlp", "points", p.Seed % 2 == 0 ? 0.002 : 0.004), ("linear_test_acc", "share", 0.92));
        var r = SweepAggregate.Compute(plan);

        Assert.Equal(20, r.Finished.Count);
        Assert.Empty(r.Missing);
        var setting = Assert.Single(r.Settings);
        Assert.Equal("default", setting.Label);
        Assert.Contains("The ring adds +1.00 points to the linear model, 95% interval [1.00, 1.00] (above 0), 20 seeds.", r.Sentences);
        // Ten seeds at 0.2 and ten at 0.4 points: the mean is 0.3 and the interval is the binomial one, [0.26, 0.34].
        var mlp = setting.Figures.Single(f => f.Headline.Key == "ring_gain_mlp").Estimate;
        Assert.Equal(0.003, mlp.Mean, 12);
        Assert.Equal(0.0026, mlp.Low, 12);
        Assert.Equal(0.0034, mlp.High, 12);
        Assert.Contains("The ring adds +0.30 points to the MLP, 95% interval [0.26, 0.34] (above 0), 20 seeds.", r.Sentences);
        // The headlines the registry knows come in its order, with its labels, whatever the file says.
        Assert.Equal(["linear_test_acc", "ring_gain_linear", "ring_gain_mlp"], setting.Figures.Select(f => f.Headline.Key));
        Assert.StartsWith("linear on pixels + ring", setting.Figures[0].Headline.Label);
    }

    [Fact]
    public void Settings_are_compared_paired_by_seed()
    {
        using var dir = new TempDir();
        var plan = Ring(dir, 20, "alpha=0,0.01");
        // Seeds differ wildly (0 to 9 points), and alpha=0.01 adds exactly 0.25 points to every seed's accuracy.
        static double Acc(long seed, string alpha) => 0.90 + 0.01 * (seed * 7 % 10) + (alpha == "0.01" ? 0.0025 : 0);
        foreach (var p in plan.Points)
            Point(plan, p.Index, ("linear_test_acc", "share", Acc(p.Seed, p.Setting[0].Value)));
        // Seed 5's alpha=0.01 point has not finished: it is missing, and seed 5 pairs with nothing.
        int gone = plan.Points.Single(p => p.Seed == 5 && p.Setting[0].Value == "0.01").Index;
        Directory.Delete(plan.PointFolder(gone), recursive: true);

        var r = SweepAggregate.Compute(plan);
        Assert.Equal([gone], r.Missing);
        Assert.Equal(["alpha=0", "alpha=0.01"], r.Settings.Select(s => s.Label));
        var a = r.Settings[0].Figures[0].Estimate;
        var b = r.Settings[1].Figures[0].Estimate;
        Assert.Equal(20, a.N);
        Assert.Equal(19, b.N);
        // Apart, the two settings' intervals overlap widely: the seeds' spread hides the effect.
        Assert.True(a.High > b.Low && b.High > a.Low);
        // Paired by seed, every difference is 0.0025 and so is the whole interval.
        var c = Assert.Single(r.Comparisons);
        Assert.Equal(("alpha=0.01", "alpha=0"), (c.Setting, c.Baseline));
        var d = c.Differences[0];
        Assert.Equal(19, d.Estimate.N);
        Assert.DoesNotContain(5L, d.BySeed.Keys);
        Assert.Equal(0.0025, d.Estimate.Mean, 12);
        Assert.Equal(0.0025, d.Estimate.Low, 12);
        Assert.Equal(0.0025, d.Estimate.High, 12);
        Assert.Contains(r.Sentences, s => s.StartsWith("alpha=0.01 against alpha=0: linear on pixels + ring: test accuracy changes by +0.25 points, 95% interval [0.25, 0.25] (above 0), 19 paired seeds"));
    }

    [Fact]
    public void The_report_folder_holds_the_tables_the_figures_and_every_number()
    {
        using var dir = new TempDir();
        var plan = Ring(dir, 4, "beta=0,0.01");
        foreach (var p in plan.Points)
            Point(plan, p.Index, ("mlp_test_acc", "share", 0.95 + 0.001 * p.Seed + (p.Setting[0].Value == "0" ? 0 : 0.002)));
        var r = SweepAggregate.Compute(plan);
        string outDir = SweepReport.DefaultFolder(plan);
        SweepReport.Write(r, outDir);

        string md = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("| beta=0 | 4 | 95.15% |", md);
        Assert.Contains("| beta=0.01 | 4 | +0.20 pt | 0.00 pt | [+0.20 pt, +0.20 pt] |", md);
        Assert.Contains("[report](../points/0/report.html)", md);
        foreach (string png in new[] { "sweep_mlp_test_acc.png", "difference_mlp_test_acc.png" })
            Assert.True(new FileInfo(Path.Combine(outDir, png)).Length > 5000, png);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var figure = metrics.RootElement.GetProperty("settings")[1].GetProperty("figures").GetProperty("mlp_test_acc");
        Assert.Equal(0.9535, figure.GetProperty("mean").GetDouble(), 12);
        Assert.Equal(4, figure.GetProperty("n").GetInt32());
        Assert.Equal(0.953, figure.GetProperty("by_seed").GetProperty("1").GetDouble(), 12);
        Assert.Equal(0.002, metrics.RootElement.GetProperty("comparisons")[0].GetProperty("differences").GetProperty("mlp_test_acc").GetProperty("mean").GetDouble(), 12);

        // The same folder aggregates to the same numbers: nothing in it depends on when it was read.
        var again = SweepReport.Metrics(SweepAggregate.Compute(plan)).ToJsonString();
        Assert.Equal(again, SweepReport.Metrics(r).ToJsonString());

        // `mnistlab report --runs DIR` on a sweep writes the same, into --out when given (links then lead from there).
        Assert.Equal(MnistLab.Cli.CliApp.Ok, MnistLab.Cli.CliApp.Run(["report", "--runs", plan.Folder, "--out", dir.File("elsewhere")]));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(again), JsonNode.Parse(File.ReadAllText(dir.File("elsewhere/metrics.json")))));
        Assert.Contains("[report](../sweep/points/0/report.html)", File.ReadAllText(dir.File("elsewhere/report.md")));
    }

    [Fact]
    public void A_sweep_with_no_finished_point_aggregates_to_nothing_and_says_so()
    {
        using var dir = new TempDir();
        var plan = Ring(dir, 3);
        var r = SweepAggregate.Compute(plan);
        Assert.Empty(r.Finished);
        Assert.Equal([0, 1, 2], r.Missing);
        Assert.Empty(r.Sentences);
        SweepReport.Write(r, SweepReport.DefaultFolder(plan));
        Assert.Contains("0 of 3 points finished (not yet: 0-2", File.ReadAllText(Path.Combine(SweepReport.DefaultFolder(plan), "report.md")));
    }

    [Fact]
    public void A_figure_traded_against_another_is_drawn_against_it_a_point_per_setting()
    {
        using var dir = new TempDir();
        var plan = Ring(dir, 3, "dictionary.k=4,16");
        // More features per image explain more: L0 is k, FVU falls as 1/k, and the seeds move FVU by 0.001 each.
        foreach (var p in plan.Points)
        {
            double k = double.Parse(p.Setting[0].Value);
            Point(plan, p.Index, ("dictionary_l0", "number", k), ("dictionary_fvu", "score", 1 / k + 0.001 * p.Seed));
        }
        var r = SweepAggregate.Compute(plan);
        string outDir = SweepReport.DefaultFolder(plan);
        SweepReport.Write(r, outDir);

        Assert.True(new FileInfo(Path.Combine(outDir, "tradeoff_dictionary_fvu.png")).Length > 0);
        string md = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("## dictionary FVU against dictionary L0", md);
        Assert.Contains("| dictionary.k=4 | 4.0000 | [4.0000, 4.0000] | 0.2510 |", md);
        Assert.Contains("| dictionary.k=16 | 16.0000 |", md);
        Assert.Contains("![dictionary FVU against dictionary L0](tradeoff_dictionary_fvu.png)", md);

        // One setting has nothing to trade: no such figure.
        using var one = new TempDir();
        var single = Ring(one, 2);
        foreach (var p in single.Points) Point(single, p.Index, ("dictionary_l0", "number", 16), ("dictionary_fvu", "score", 0.04));
        SweepReport.Write(SweepAggregate.Compute(single), SweepReport.DefaultFolder(single));
        Assert.False(File.Exists(Path.Combine(SweepReport.DefaultFolder(single), "tradeoff_dictionary_fvu.png")));
    }

    [Fact]
    public void Differences_and_intervals_read_in_points_for_shares_and_plainly_for_numbers()
    {
        Assert.Equal("+1.00 points", SweepAggregate.Signed(MnistLab.Experiments.FigureKind.Points, 0.01));
        Assert.Equal("-0.0123", SweepAggregate.Signed(MnistLab.Experiments.FigureKind.Number, -0.0123));
        Assert.Equal("0.90", SweepAggregate.Plain(MnistLab.Experiments.FigureKind.Share, 0.009));
    }
}
