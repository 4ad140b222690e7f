using System.Text.Json;
using MnistLab.Cli;
using MnistLab.Reports;
using MnistLab.Tests.Support;
using MnistLab.Training;

namespace MnistLab.Tests.Cli;

/// <summary>`run all` end to end on two of the experiments (the five take minutes): folders, index, and a kill in the middle.</summary>
[Collection(RealMnistCollection.Name)]
public class RunAllTests(RealMnist mnist)
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(10); // a guard against a hang, not a speed check: generous for a busy machine
    static readonly string[] Args = ["run", "all", "--quick", "--only", "linearity,local-mi", "--threads", "2", "--no-fetch"];

    static JsonElement Lab(string dir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json"))).RootElement;

    [Fact]
    public void Killed_during_the_second_experiment_and_resumed_it_ends_as_an_uninterrupted_lab()
    {
        _ = mnist.Data;
        using var dir = new TempDir();
        string reference = dir.File("reference"), killed = dir.File("killed");
        using (var p = CliProcess.Start([.. Args, "--out", reference]))
            Assert.True(p.Wait(Limit) == 0, p.Output);
        foreach (var f in new[] { "index.html", "index.md", "index_headlines.png", "metrics.json", "linearity/report.html", "local-mi/report.html", "local-mi/checkpoints" })
            Assert.True(File.Exists(Path.Combine(reference, f)) || Directory.Exists(Path.Combine(reference, f)), f);
        Assert.False(Directory.Exists(Path.Combine(reference, "ring")));

        string firstLayer = Path.Combine(ReportFolder.CheckpointsOf(Path.Combine(killed, "local-mi")), Checkpointing.FileName("local_hard_sequential layer1"));
        using (var p = CliProcess.Start([.. Args, "--out", killed]))
        {
            Assert.True(p.WaitUntil(() => File.Exists(firstLayer), Limit), p.Output);
            p.Kill();
        }
        Assert.True(File.Exists(Path.Combine(killed, "linearity", "metrics.json")), "the first experiment was finished before the kill");
        Assert.False(File.Exists(Path.Combine(killed, "index.html")));

        string output;
        using (var p = CliProcess.Start([.. Args, "--out", killed, "--resume"]))
        {
            Assert.True(p.Wait(Limit) == 0, p.Output);
            output = p.Output;
        }
        Assert.Contains("linearity: finished before the interruption, kept", output);
        Assert.Contains("resumed after epoch", output);
        Assert.Equal(Lab(reference).GetProperty("headlines").GetRawText(), Lab(killed).GetProperty("headlines").GetRawText());
        Assert.False(File.Exists(Path.Combine(killed, ".run-all.json")), "the progress record goes once the lab is complete");
        Assert.Contains("local-mi", Lab(killed).GetProperty("run").GetProperty("stage_seconds").EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("--only", "linearity,svm")]
    [InlineData("--only", ",")]
    public void Unknown_experiments_are_bad_usage(params string[] extra)
    {
        using var dir = new TempDir();
        Assert.Equal(CliApp.Usage, CliApp.Run(["run", "all", "--out", dir.File("lab"), "--no-fetch", .. extra]));
        Assert.False(Directory.Exists(dir.File("lab")));
    }
}
