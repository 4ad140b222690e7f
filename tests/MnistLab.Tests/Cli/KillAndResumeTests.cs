using System.Text.Json;
using MnistLab.Common;
using MnistLab.Reports;
using MnistLab.Tests.Support;
using MnistLab.Training;

namespace MnistLab.Tests.Cli;

/// <summary>
/// The real command, killed with SIGKILL at several points of its trainings and resumed each time, must end
/// with the numbers of an uninterrupted run, and never leave a checkpoint that does not read back.
/// </summary>
[Collection(RealMnistCollection.Name)]
public class KillAndResumeTests(RealMnist mnist)
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(10); // a guard against a hang, not a speed check: generous for a busy machine

    static string Staging(string outDir) => ReportFolder.CheckpointsOf(outDir);

    static int SavedEpoch(string outDir, string training)
    {
        string path = Path.Combine(Staging(outDir), Checkpointing.FileName(training));
        if (!File.Exists(path)) return 0;
        try { return Checkpoint.Read(path).Header.Epoch; }
        catch (MnistLabException) { return 0; } // replaced while being read; the file is checked whole after the kill
    }

    /// <summary>Every checkpoint left after a kill reads back whole, and no temporary file of a finished save remains visible as one.</summary>
    static void AssertNoCorruptCheckpoints(string outDir)
    {
        if (!Directory.Exists(Staging(outDir))) return;
        foreach (string file in Directory.EnumerateFiles(Staging(outDir), "*" + Checkpointing.Extension).Where(f => !Path.GetFileName(f).StartsWith('.')))
            Checkpoint.Read(file); // throws on any damage
    }

    static JsonElement Metrics(string dir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json"))).RootElement;

    [Fact]
    public void Linearity_killed_three_times_ends_as_if_never_interrupted()
    {
        _ = mnist.Data; // MNIST present where the command looks
        using var dir = new TempDir();
        string[] common = ["run", "linearity", "--models", "linear_ce,mlp_ce", "--epochs", "4", "--threads", "1", "--no-fetch"];
        string reference = dir.File("reference"), killed = dir.File("killed");

        using (var p = CliProcess.Start([.. common, "--out", reference]))
            Assert.True(p.Wait(Limit) == 0, p.Output);

        // Kill points: as soon as the first linear checkpoint exists; in the middle of the MLP's second epoch;
        // right after its third epoch is saved (the save of the fourth may be under way).
        var points = new (Func<bool> Ready, int ExtraMs)[]
        {
            (() => SavedEpoch(killed, "linear_ce") >= 1, 0),
            (() => SavedEpoch(killed, "mlp_ce") >= 1, 300),
            (() => SavedEpoch(killed, "mlp_ce") >= 3, 0),
        };
        bool first = true;
        foreach (var (ready, extraMs) in points)
        {
            using var p = CliProcess.Start([.. common, "--out", killed, .. first ? Array.Empty<string>() : ["--resume"]]);
            first = false;
            Assert.True(p.WaitUntil(ready, Limit), $"the kill point was never reached:\n{p.Output}");
            Thread.Sleep(extraMs);
            Assert.False(p.HasExited, $"the run ended before it could be killed:\n{p.Output}");
            p.Kill();
            AssertNoCorruptCheckpoints(killed);
            Assert.False(File.Exists(Path.Combine(killed, "metrics.json")), "a killed run published a report");
        }
        using (var p = CliProcess.Start([.. common, "--out", killed, "--resume"]))
            Assert.True(p.Wait(Limit) == 0, p.Output);

        var a = Metrics(reference).GetProperty("models");
        var b = Metrics(killed).GetProperty("models");
        foreach (string model in new[] { "linear_ce", "mlp_ce" })
            foreach (string figure in new[] { "test_acc", "train_loss", "train_acc", "val_loss", "val_acc", "confusion" })
                Assert.Equal(a.GetProperty(model).GetProperty(figure).GetRawText(), b.GetProperty(model).GetProperty(figure).GetRawText());
        Assert.False(Directory.Exists(ReportFolder.StagingOf(killed)), "the staging folder is gone once the report is in place");
        Assert.DoesNotContain(Directory.EnumerateFiles(killed, "*", SearchOption.AllDirectories), f => Path.GetFileName(f).StartsWith('.'));
    }

    [Fact]
    public void The_vae_killed_mid_training_resumes_to_the_same_probe()
    {
        _ = mnist.Data;
        using var dir = new TempDir();
        // The sections after the training at a small budget: this test is about resuming the VAE's training.
        string[] common = ["run", "vae-probe", "--epochs", "3", "--threads", "2", "--no-fetch", "--set", "dictionary.epochs=1", "--set", "certified_probe.images=10"];
        string reference = dir.File("reference"), killed = dir.File("killed");
        using (var p = CliProcess.Start([.. common, "--out", reference]))
            Assert.True(p.Wait(Limit) == 0, p.Output);
        using (var p = CliProcess.Start([.. common, "--out", killed]))
        {
            Assert.True(p.WaitUntil(() => SavedEpoch(killed, VaeTrainer.Name) >= 1, Limit), p.Output);
            Thread.Sleep(200);
            Assert.False(p.HasExited, $"the run ended before it could be killed:\n{p.Output}");
            p.Kill();
        }
        // Killed mid-training: no report, and the last checkpoint is of an epoch before the last.
        Assert.False(File.Exists(Path.Combine(killed, "metrics.json")), "a killed run published a report");
        int saved = SavedEpoch(killed, VaeTrainer.Name);
        Assert.InRange(saved, 1, 2);
        AssertNoCorruptCheckpoints(killed);
        using (var p = CliProcess.Start([.. common, "--out", killed, "--resume"]))
        {
            Assert.True(p.Wait(Limit) == 0, p.Output);
            Assert.Contains($"{VaeTrainer.Name}: resumed after epoch {saved} of 3", p.Output);
        }

        foreach (string figure in new[] { "loss_per_epoch", "probe", "checkpoint_sha256" })
            Assert.Equal(Metrics(reference).GetProperty(figure).GetRawText(), Metrics(killed).GetProperty(figure).GetRawText());
    }
}
