using MnistLab.Reports;
using MnistLab.Tests.Support;
using MnistLab.Training;

namespace MnistLab.Tests.Cli;

/// <summary>A second run into a folder that a running one is writing is refused, and the first is unharmed.</summary>
[Collection(RealMnistCollection.Name)]
public class ConcurrentRunTests(RealMnist mnist)
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    [Fact]
    public void A_second_run_into_the_same_out_is_refused_while_the_first_runs()
    {
        _ = mnist.Data;
        using var dir = new TempDir();
        string outDir = dir.File("report");
        string[] run = ["run", "linearity", "--models", "linear_ce,mlp_ce", "--epochs", "6", "--threads", "1", "--no-fetch", "--out", outDir];
        using var first = CliProcess.Start(run);
        string checkpoint = Path.Combine(ReportFolder.CheckpointsOf(outDir), Checkpointing.FileName("linear_ce"));
        Assert.True(first.WaitUntil(() => File.Exists(checkpoint), Limit), first.Output);

        foreach (string[] second in new[] { run, [.. run, "--resume"] })
        {
            using var p = CliProcess.Start(second);
            Assert.Equal(1, p.Wait(Limit));
            string said = p.Words;
            Assert.Contains($"{outDir}: another MnistLab run is writing there", said);
            Assert.DoesNotContain(" at ", said); // one line, no trace
        }
        Assert.False(first.HasExited, "the first run ended before the second could meet it; the test proves nothing");

        Assert.True(first.Wait(Limit) == 0, first.Output);
        Assert.True(File.Exists(Path.Combine(outDir, ReportFolder.Marker)));
        Assert.False(File.Exists(OutputLock.PathOf(outDir)), "the lock file outlived the run");
    }
}
