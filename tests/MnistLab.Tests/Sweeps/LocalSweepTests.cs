using System.Text.Json;
using System.Text.Json.Nodes;
using MnistLab.Reports;
using MnistLab.Sweeps;
using MnistLab.Tests.Support;
using MnistLab.Training;

namespace MnistLab.Tests.Sweeps;

/// <summary>
/// The real `mnistlab sweep run` on the real MNIST: killed while a point trains and run again, it ends with the answers of
/// a sweep never interrupted, without running a finished point twice.
/// </summary>
[Collection(RealMnistCollection.Name)]
public class LocalSweepTests(RealMnist mnist)
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    // Three points of a small MLP (32 hidden units, two epochs each, one thread, so every run adds in the same order).
    static readonly string[] Grid = ["sweep", "run", "--experiment", "linearity", "--seeds", "0-2", "--quick", "--set", "models=[mlp_ce]", "--set", "mlp_hidden=32", "--set", "train.epochs=2",
        "--threads", "1", "--no-fetch"];

    static int SavedEpoch(SweepPlan plan, int point)
    {
        string path = Path.Combine(ReportFolder.CheckpointsOf(plan.PointFolder(point)), Checkpointing.FileName("mlp_ce"));
        try { return File.Exists(path) ? Checkpoint.Read(path).Header.Epoch : 0; }
        catch (Exception) { return 0; } // being replaced while read
    }

    static JsonNode? Answers(string sweep)
    {
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(sweep, "report", "metrics.json")))!;
        return new JsonObject { ["settings"] = metrics["settings"]!.DeepClone(), ["sentences"] = metrics["sentences"]!.DeepClone() };
    }

    static int Attempts(SweepPlan plan, int point) =>
        File.ReadLines(Path.Combine(plan.LogsFolder, $"point-{point}.log")).Count(l => l.StartsWith("== "));

    [Fact]
    public void A_killed_sweep_run_again_repeats_no_finished_point_and_ends_with_the_same_answers()
    {
        _ = mnist.Data; // MNIST present where the points look
        using var dir = new TempDir();
        string reference = dir.File("reference"), killed = dir.File("killed");

        using (var p = CliProcess.Start([.. Grid, "--out", reference, "--jobs", "2"]))
            Assert.True(p.Wait(Limit) == 0, p.Output);

        // Killed (the sweep process alone, by SIGKILL) once point 0 is finished and point 1 has saved its first epoch.
        SweepPlan plan;
        using (var p = CliProcess.Start([.. Grid, "--out", killed, "--jobs", "1"]))
        {
            Assert.True(p.WaitUntil(() => File.Exists(Path.Combine(killed, "sweep.json")), Limit), p.Output);
            plan = SweepPlan.Open(killed);
            Assert.True(p.WaitUntil(() => SweepStatus.StateOf(plan, 0) == PointState.Done && SavedEpoch(plan, 1) >= 1, Limit), $"the kill point was never reached:\n{p.Output}");
            Assert.False(p.HasExited, p.Output);
            p.KillAlone();
        }
        // The point under way notices that its sweep is gone and ends too; it leaves its checkpoints.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (PointLock.IsHeld(plan, 1) && clock.Elapsed < TimeSpan.FromSeconds(20)) Thread.Sleep(50);
        Assert.False(PointLock.IsHeld(plan, 1), "point 1 outlived its sweep");
        var status = SweepStatus.Read(plan);
        Assert.Equal([PointState.Done, PointState.Interrupted, PointState.Pending], status.States);
        Assert.Equal([1], status.ToResubmit);
        var finishedAt = File.GetLastWriteTimeUtc(Path.Combine(plan.PointFolder(0), "metrics.json"));

        using (var p = CliProcess.Start([.. Grid, "--out", killed, "--jobs", "1"]))
        {
            Assert.True(p.Wait(Limit) == 0, p.Output);
            Assert.Contains("1 finished before (kept)", p.Words);
        }
        Assert.Equal(finishedAt, File.GetLastWriteTimeUtc(Path.Combine(plan.PointFolder(0), "metrics.json")));
        Assert.Equal([1, 2, 1], new[] { 0, 1, 2 }.Select(k => Attempts(plan, k)));
        Assert.Contains("continuing from its checkpoints", File.ReadAllText(Path.Combine(plan.LogsFolder, "point-1.log")));
        Assert.Equal(Enumerable.Repeat(PointState.Done, 3), SweepStatus.Read(plan).States);

        // Every point's figures, and so the aggregate, are those of the uninterrupted sweep.
        for (int k = 0; k < 3; k++)
            Assert.Equal(RunIndex.Read(Path.Combine(reference, "points", $"{k}")).Experiments[0].Figures, RunIndex.Read(plan.PointFolder(k)).Experiments[0].Figures);
        Assert.Equal(Answers(reference)!.ToJsonString(), Answers(killed)!.ToJsonString());
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(killed, "report", "metrics.json")));
        Assert.Equal(3, metrics.RootElement.GetProperty("settings")[0].GetProperty("figures").GetProperty("mlp_ce_test_acc").GetProperty("n").GetInt32());
    }

    [Fact]
    public void A_sweep_grown_by_a_seed_gives_the_answers_of_the_sweep_run_with_all_seeds_at_once()
    {
        _ = mnist.Data;
        using var dir = new TempDir();
        string[] grid = ["sweep", "run", "--experiment", "linearity", "--quick", "--set", "models=[mlp_ce]", "--set", "mlp_hidden=16", "--set", "train.epochs=1",
            "--threads", "1", "--no-fetch", "--jobs", "2"];
        string atOnce = dir.File("at-once"), grown = dir.File("grown");
        using (var p = CliProcess.Start([.. grid, "--seeds", "0-2", "--out", atOnce]))
            Assert.True(p.Wait(Limit) == 0, p.Output);
        using (var p = CliProcess.Start([.. grid, "--seeds", "0-1", "--out", grown]))
            Assert.True(p.Wait(Limit) == 0, p.Output);
        var firstRun = File.GetLastWriteTimeUtc(Path.Combine(grown, "points", "0", "metrics.json"));
        using (var p = CliProcess.Start([.. grid, "--seeds", "0-2", "--out", grown]))
        {
            Assert.True(p.Wait(Limit) == 0, p.Output);
            Assert.Contains("Grown: 1 new point (2-2) after the 2 already there, which are kept.", p.Words);
            Assert.Contains("2 finished before (kept)", p.Words);
        }
        Assert.Equal(firstRun, File.GetLastWriteTimeUtc(Path.Combine(grown, "points", "0", "metrics.json")));
        Assert.Equal(Answers(atOnce)!.ToJsonString(), Answers(grown)!.ToJsonString());
    }
}
