using MnistLab.Cli;
using MnistLab.Data;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Cli;

public class CliAppTests
{
    [Theory]
    [InlineData("frobnicate")]
    [InlineData("run", "linearity", "--epochs", "zero")]
    [InlineData("run", "linearity", "--epochs", "0")]
    [InlineData("run", "linearity", "--models", "svm")]
    [InlineData("run", "linearity", "--threads", "0")]
    [InlineData("data", "show", "--count", "0")]
    [InlineData("data", "show", "--out", "grid.jpg")]
    [InlineData("report", "--out", "x")]
    [InlineData("report", "--runs", "no-such-run-folder", "--out", "x")]
    [InlineData("analyze")]
    [InlineData("analyze", "--checkpoint", "no-such-file.ckpt")]
    public void Bad_usage_exits_with_2(params string[] args)
    {
        Assert.Equal(CliApp.Usage, CliApp.Run(args));
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("data", "fetch", "--help")]
    [InlineData("data", "show", "--help")]
    [InlineData("run", "linearity", "--help")]
    [InlineData("run", "ring", "--help")]
    [InlineData("run", "local-mi", "--help")]
    [InlineData("run", "vae-probe", "--help")]
    [InlineData("run", "rotated", "--help")]
    [InlineData("run", "all", "--help")]
    [InlineData("analyze", "--help")]
    [InlineData("report", "--help")]
    [InlineData("features", "--help")]
    [InlineData("mi", "--help")]
    [InlineData("export", "lean", "--help")]
    [InlineData("bench", "--help")]
    [InlineData("sweep", "run", "--help")]
    [InlineData("sweep", "status", "--help")]
    [InlineData("sweep", "point", "--help")]
    public void Help_of_every_command_exits_with_0(params string[] args)
    {
        // Descriptions are Spectre markup: a stray [..] in one would make its help fail.
        Assert.Equal(CliApp.Ok, CliApp.Run(args));
    }

    [Fact]
    public void A_report_folder_that_is_not_a_report_is_refused_before_any_work()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("notes.txt"), "keep me");
        Assert.Equal(CliApp.Usage, CliApp.Run(["run", "linearity", "--out", dir.Path, "--data", dir.File("none")]));
        Assert.Equal("keep me", File.ReadAllText(dir.File("notes.txt")));
    }

    [Fact]
    public void Commands_that_read_no_mnist_still_take_threads_and_verbose()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("f.csv"), "x,label\n-2,a\n2,b\n-2.1,a\n2.2,b\n");
        Assert.Equal(CliApp.Ok, CliApp.Run(["mi", "--csv", dir.File("f.csv"), "--label-column", "label", "--threads", "1", "--verbose"]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["mi", "--csv", dir.File("f.csv"), "--label-column", "label", "--threads", "0"]));
        Assert.Equal(CliApp.Failure, CliApp.Run(["export", "lean", "--run", dir.Path, "--out", dir.File("P.lean"), "--threads", "1"]));
    }

    [Fact]
    public void A_damaged_checkpoint_fails_with_1_and_is_named()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("model.ckpt"), "not a checkpoint");
        Assert.Equal(CliApp.Failure, CliApp.Run(["analyze", "--checkpoint", dir.File("model.ckpt"), "--out", dir.File("out")]));
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void Report_takes_several_run_folders_after_one_runs_option()
    {
        using var dir = new TempDir();
        foreach (var (run, acc) in new[] { ("a", 0.9), ("b", 0.8) })
        {
            Directory.CreateDirectory(dir.File($"{run}/ring"));
            File.WriteAllText(dir.File($"{run}/ring/metrics.json"),
                $"{{\"experiment\":\"ring\",\"headlines\":{{\"linear_test_acc\":{{\"label\":\"linear on pixels + ring: test accuracy\",\"kind\":\"share\",\"value\":{acc}}}}}}}");
        }
        Assert.Equal(CliApp.Ok, CliApp.Run(["report", "--runs", dir.File("a"), dir.File("b"), "--out", dir.File("cmp")]));
        Assert.Contains("| linear on pixels + ring: test accuracy | 90.00% | 80.00% | -10.00 pt |", File.ReadAllText(dir.File("cmp/index.md")));
        Assert.True(File.Exists(dir.File("cmp/index.html")));
    }

    [Fact]
    public void Corrupt_data_fails_with_1()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path); // well-formed IDX files that are not MNIST: their hashes differ
        Assert.Equal(CliApp.Failure, CliApp.Run(["data", "fetch", "--data", dir.Path]));
        Assert.True(File.Exists(Path.Combine(dir.Path, MnistFiles.TrainImagesFile.Name)), "nothing is deleted");
    }
}

[Collection(RealMnistCollection.Name)]
public class FeaturesCommandTests(RealMnist mnist)
{
    [Fact]
    public void Exports_one_csv_row_per_image()
    {
        _ = mnist.Data; // make sure MNIST is present where the command looks
        using var dir = new TempDir();
        Assert.Equal(CliApp.Ok, CliApp.Run(["features", "--kind", "holes", "--split", "test", "--out", dir.File("holes.csv")]));
        var lines = File.ReadAllLines(dir.File("holes.csv"));
        Assert.Equal("index,label,value", lines[0]);
        Assert.Equal(10001, lines.Length);
        Assert.All(lines.Skip(1).Take(100), l => Assert.Matches(@"^\d+,\d,\d+$", l));
    }

    [Theory]
    [InlineData("features", "--kind", "loops", "--out", "x.csv")]
    [InlineData("features", "--kind", "ring")]
    [InlineData("run", "ring", "--alpha", "-1")]
    public void Bad_feature_and_ring_usage_exits_with_2(params string[] args)
    {
        Assert.Equal(CliApp.Usage, CliApp.Run(args));
    }
}
