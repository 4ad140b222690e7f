using System.Text.Json;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments.Linearity;
using MnistLab.Tests.Support;
using MnistLab.Training;

namespace MnistLab.Tests.Experiments;

[Collection(RealMnistCollection.Name)]
public class LinearityExperimentTests(RealMnist mnist)
{
    [Fact]
    public void One_epoch_of_the_linear_model_on_real_MNIST_beats_88_percent_and_writes_its_report()
    {
        var options = new LinearityOptions { Train = new TrainOptions { Epochs = 1 }, Models = ["linear_ce"] };
        using var dir = new TempDir();
        string outDir = dir.File("run");
        var run = new LinearityExperiment().RunInto(options, outDir, LabData.Of(mnist.Data));
        var linear = Assert.Single(run.Result.Models);
        Assert.True(linear.TestAcc > 0.88, $"test accuracy {linear.TestAcc}");
        Assert.Equal(linear.TestAcc, run.Figures["linear_ce_test_acc"]);
        foreach (var f in new[] { "metrics.json", "report.md", "val_loss.png", "templates_linear_ce.png", "confusion_linear_ce.png" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var root = doc.RootElement;
        Assert.Equal("linearity", root.GetProperty("experiment").GetString());
        var m = root.GetProperty("models").GetProperty("linear_ce");
        Assert.Equal(linear.TestAcc, m.GetProperty("test_acc").GetDouble());
        Assert.Equal(linear.TestAcc, root.GetProperty("headlines").GetProperty("linear_ce_test_acc").GetProperty("value").GetDouble());
        Assert.Equal(run.Answer, root.GetProperty("answer").GetString());
        Assert.Contains("A linear model reaches", run.Answer);
        foreach (var key in new[] { "train_loss", "train_acc", "val_loss", "val_acc" })
            Assert.Equal(1, m.GetProperty(key).GetArrayLength());
        Assert.True(m.GetProperty("train_seconds").GetDouble() > 0);
        // The confusion matrix counts every test image exactly once.
        Assert.Equal(10000, m.GetProperty("confusion").EnumerateArray().SelectMany(r => r.EnumerateArray()).Sum(c => c.GetInt32()));
        Assert.Contains("## What it shows", File.ReadAllText(Path.Combine(outDir, "report.md")));
    }

    [Fact]
    public void Unknown_model_names_are_refused()
    {
        var e = Assert.Throws<InvalidOptionException>(() => new LinearityOptions { Models = ["linear_ce", "svm"] }.Validated());
        Assert.Contains("'svm'", e.Message);
    }

    [Theory]
    [InlineData(new[] { 0.80, 0.85, 0.8508, 0.8505 }, 2)]
    [InlineData(new[] { 0.80, 0.85, 0.87 }, 3)]
    [InlineData(new[] { 0.90 }, 1)]
    public void Plateau_is_the_first_epoch_never_beaten_by_more_than_a_tenth_of_a_point(double[] acc, int expected)
    {
        Assert.Equal(expected, LinearityReport.PlateauEpoch(acc));
    }
}
