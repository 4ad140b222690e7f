using MnistLab.Common;
using MnistLab.Reports;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Reports;

public class RunIndexTests
{
    static void Report(string dir, string json)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, ReportFolder.Marker), json);
        File.WriteAllText(Path.Combine(dir, "report.html"), "<html></html>");
    }

    [Fact]
    public void Two_runs_are_compared_side_by_side_with_their_difference()
    {
        using var dir = new TempDir();
        Report(dir.File("a/linearity"), """{"experiment":"linearity","answer":"One layer helps.","headlines":{"mlp_ce_test_acc":{"label":"MLP: test accuracy","short":"x","kind":"share","value":0.95}},"run":{"seed":0,"stage_seconds":{"train_and_analyse":2.0}}}""");
        Report(dir.File("b/linearity"), """{"experiment":"linearity","answer":"One layer helps more.","headlines":{"mlp_ce_test_acc":{"label":"MLP: test accuracy","short":"x","kind":"share","value":0.9612}},"run":{"seed":1,"stage_seconds":{"train_and_analyse":1.0}}}""");
        Report(dir.File("b/rotated"), """{"experiment":"rotated","headlines":{"resnet_test_acc":{"label":"ResNet: test accuracy","short":"x","kind":"share","value":0.5}},"run":{"seed":1}}""");

        var runs = new[] { RunIndex.Read(dir.File("a")), RunIndex.Read(dir.File("b")) };
        string md = RunIndex.Markdown(runs, dir.File("cmp"), "compare");

        Assert.Contains("| MLP: test accuracy | 95.00% | 96.12% | +1.12 pt |", md);
        Assert.Contains("| train and analyse | 2.0 s | 1.0 s | 0.50x |", md);
        Assert.Contains("| ResNet: test accuracy | – | 50.00% |", md); // run a has no rotated experiment
        Assert.Contains("(../a/linearity/report.html)", md); // links relative to the index's folder
        Assert.Contains("| seed | 0 | 1 |", md);
        // Each run's answer to the experiment's question, read from its own metrics.json.
        Assert.Contains("- **a**: One layer helps.", md);
        Assert.Contains("- **b**: One layer helps more.", md);
        Assert.Contains("*How far do linear models get", md);
    }

    [Fact]
    public void A_single_experiment_folder_is_a_run_of_one()
    {
        using var dir = new TempDir();
        Report(dir.File("ring"), """{"experiment":"ring","models":{"linear":{"test_acc":0.9205}}}""");
        var run = RunIndex.Read(dir.File("ring"));
        Assert.Equal("ring", Assert.Single(run.Experiments).Experiment);
        Assert.Equal(0.9205, RunIndex.Value(run.Experiments[0].Metrics, "models.linear.test_acc"));
        Assert.Null(RunIndex.Value(run.Experiments[0].Metrics, "models.mlp.test_acc"));
    }

    [Fact]
    public void Folders_without_reports_and_broken_metrics_are_clear_errors()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("empty"));
        Assert.Contains("holds no MnistLab report", Assert.Throws<InvalidOptionException>(() => RunIndex.Read(dir.File("empty"))).Message);
        Assert.Contains("no such folder", Assert.Throws<InvalidOptionException>(() => RunIndex.Read(dir.File("missing"))).Message);
        Report(dir.File("bad"), "{\"experiment\": ");
        var e = Assert.Throws<DataFormatException>(() => RunIndex.Read(dir.File("bad")));
        Assert.Contains(Path.Combine(dir.File("bad"), "metrics.json"), e.Message);
    }

    [Fact]
    public void An_index_not_written_by_mnistlab_is_never_replaced()
    {
        using var dir = new TempDir();
        Report(dir.File("run/ring"), """{"experiment":"ring"}""");
        Directory.CreateDirectory(dir.File("site"));
        File.WriteAllText(dir.File("site/index.html"), "<html>my homepage</html>");
        Assert.Throws<InvalidOptionException>(() => RunIndex.Write(dir.File("site"), [RunIndex.Read(dir.File("run"))], "MnistLab: x"));
        Assert.Equal("<html>my homepage</html>", File.ReadAllText(dir.File("site/index.html")));

        RunIndex.Write(dir.File("run"), [RunIndex.Read(dir.File("run"))], "MnistLab: x");
        RunIndex.Write(dir.File("run"), [RunIndex.Read(dir.File("run"))], "MnistLab: again"); // its own index is replaced
        Assert.Contains("MnistLab: again", File.ReadAllText(dir.File("run/index.md")));
    }
}
