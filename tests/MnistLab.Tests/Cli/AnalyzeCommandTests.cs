using System.Text.Json;
using MnistLab.Cli;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Cli;

[Collection(RealMnistCollection.Name)]
public class AnalyzeCommandTests(RealMnist mnist)
{
    static JsonElement Models(string dir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json"))).RootElement.GetProperty("models");

    [Fact]
    public void Analysing_a_finished_run_from_its_checkpoint_gives_its_numbers_without_training()
    {
        _ = mnist.Data;
        using var dir = new TempDir();
        string run = dir.File("run"), again = dir.File("again");
        Assert.Equal(CliApp.Ok, CliApp.Run(["run", "linearity", "--models", "linear_ce,mlp_ce", "--epochs", "1", "--no-fetch", "--out", run]));
        string checkpoint = Path.Combine(run, "checkpoints", "mlp_ce.ckpt");
        var written = File.GetLastWriteTimeUtc(checkpoint);

        Assert.Equal(CliApp.Ok, CliApp.Run(["analyze", "--checkpoint", checkpoint, "--no-fetch", "--out", again]));
        foreach (string model in new[] { "linear_ce", "mlp_ce" })
            foreach (string figure in new[] { "test_acc", "confusion", "train_loss", "val_acc" })
                Assert.Equal(Models(run).GetProperty(model).GetProperty(figure).GetRawText(), Models(again).GetProperty(model).GetProperty(figure).GetRawText());
        Assert.Equal(written, File.GetLastWriteTimeUtc(checkpoint)); // nothing trained, nothing rewritten
        Assert.True(File.Exists(Path.Combine(again, "report.html")));
    }

    [Fact]
    public void A_run_with_a_missing_checkpoint_cannot_be_analysed()
    {
        _ = mnist.Data;
        using var dir = new TempDir();
        string run = dir.File("run");
        Assert.Equal(CliApp.Ok, CliApp.Run(["run", "linearity", "--models", "linear_ce,linear_mse", "--epochs", "1", "--no-fetch", "--out", run]));
        File.Delete(Path.Combine(run, "checkpoints", "linear_mse.ckpt"));
        Assert.Equal(CliApp.Failure, CliApp.Run(["analyze", "--checkpoint", Path.Combine(run, "checkpoints", "linear_ce.ckpt"), "--no-fetch", "--out", dir.File("again")]));
        Assert.False(Directory.Exists(dir.File("again")));
    }
}
