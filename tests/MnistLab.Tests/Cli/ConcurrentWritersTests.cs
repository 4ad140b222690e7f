using System.Text.Json;
using MnistLab.Models;
using MnistLab.Reports;
using MnistLab.Tests.Support;
using MnistLab.Training;

namespace MnistLab.Tests.Cli;

/// <summary>
/// Every command that writes a report folder takes its lock before any work: a second writer of the same folder is
/// refused at once, naming it, and the first writes a whole report (every file its metrics.json lists).
/// </summary>
[Collection(RealMnistCollection.Name)]
public class ConcurrentWritersTests(RealMnist mnist)
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    /// <summary>A checkpoint of a small MLP trained one epoch on tiny synthetic digits.</summary>
    static string Checkpoint(TempDir dir)
    {
        using (var train = Digits.SeparableSet(10))
        using (var init = MnistLab.Common.Seeds.Generator(0, "test/init"))
        using (var model = new MlpSpec(784, 32).Create(init))
            Trainer.Train(model, train, null, LossKind.CrossEntropy, new TrainOptions { Epochs = 1, BatchSize = 20 }, name: "mlp",
                checkpoints: new Checkpointing(dir.File("run"), CheckpointMode.Fresh));
        return Path.Combine(dir.File("run"), "mlp.ckpt");
    }

    public static TheoryData<string> Commands => ["explain", "probe"];

    [Theory]
    [MemberData(nameof(Commands))]
    public void A_second_writer_of_the_same_out_is_refused_and_the_first_report_is_whole(string command)
    {
        _ = mnist.Data;
        using var dir = new TempDir();
        string checkpoint = Checkpoint(dir), outDir = dir.File("report");
        string[] args = command == "explain"
            ? ["explain", "--checkpoint", checkpoint, "--methods", "saliency,ig", "--images", "test:0:3000", "--steps", "100", "--threads", "1", "--no-fetch", "--out", outDir]
            : ["probe", "--checkpoint", checkpoint, "--layers", "input,relu1", "--concepts", "class,slant", "--images", "test:0:2000", "--threads", "1", "--no-fetch", "--out", outDir];
        using var first = CliProcess.Start(args);
        Assert.True(first.WaitUntil(() => File.Exists(OutputLock.PathOf(outDir)), Limit), first.Output);

        using (var second = CliProcess.Start(args))
        {
            Assert.Equal(1, second.Wait(Limit));
            Assert.Contains($"{outDir}: another MnistLab run is writing there", second.Words);
            Assert.DoesNotContain(" at ", second.Words); // one line, no trace
        }
        Assert.False(first.HasExited, "the first writer ended before the second met it; the test proves nothing");
        Assert.True(first.Wait(Limit) == 0, first.Output);

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, ReportFolder.Marker)));
        if (command == "explain")
            foreach (var method in metrics.RootElement.GetProperty("methods").EnumerateObject())
                Assert.True(File.Exists(Path.Combine(outDir, method.Value.GetProperty("file").GetString()!)), method.Name);
        Assert.True(File.Exists(Path.Combine(outDir, "report.html")));
        Assert.False(Directory.Exists(ReportFolder.StagingOf(outDir)), "the staging folder outlived the report");
        Assert.False(File.Exists(OutputLock.PathOf(outDir)), "the lock file outlived the writer");
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void An_out_that_cannot_be_written_fails_before_the_work_naming_it(string command)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("a-file"), "");
        string outDir = Path.Combine(dir.File("a-file"), "report"); // no folder can be made under a file, not even by root
        string[] own = command == "probe" ? ["--layers", "fc1"] : [];
        using var p = CliProcess.Start([command, "--checkpoint", dir.File("none.ckpt"), .. own, "--no-fetch", "--out", outDir]);
        Assert.Equal(1, p.Wait(Limit));
        Assert.Contains($"{outDir}: cannot write there (", p.Words);
        Assert.DoesNotContain("Exception", p.Words);
        Assert.DoesNotContain("none.ckpt", p.Words); // the folder is checked before the model is read
    }
}
