using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using MnistLab.Cli;
using MnistLab.Reports;
using MnistLab.Sweeps;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Sweeps;

/// <summary>
/// A sweep's sweep.sbatch submitted, unchanged, to a real one-node Slurm cluster started for the test: the job array
/// runs each point as `mnistlab sweep point K DIR`, and the folder then aggregates like one run here.
/// </summary>
[Collection(RealMnistCollection.Name)]
public class SlurmSweepTests(RealMnist mnist)
{
    [SkippableFact]
    public void A_three_point_sweep_runs_as_a_slurm_job_array()
    {
        var (cluster, why) = SlurmCluster.Start();
        Skip.If(cluster is null, $"no one-node Slurm cluster here: {why}");
        using var running = cluster;
        _ = mnist.Data; // MNIST present where the points look
        using var dir = new TempDir();
        string sweep = dir.File("my sweep"); // a space in the path, as users name folders

        Assert.Equal(CliApp.Ok, CliApp.Run(["sweep", "run", "--experiment", "linearity", "--seeds", "0-2", "--quick", "--set", "models=linear_ce", "--out", sweep,
            "--slurm", "--cpus-per-task", "1", "--mem", "1G", "--time", "00:10:00", "--no-fetch"]));
        string script = Path.Combine(sweep, SlurmScript.FileName);
        Assert.Contains("#SBATCH --array=0-2", File.ReadAllText(script));

        var (code, output) = cluster!.Client("/usr/bin/sbatch", script);
        Assert.True(code == 0, output);
        string job = Regex.Match(output, @"Submitted batch job (\d+)").Groups[1].Value;
        Assert.NotEqual("", job);

        // The array is done when the queue no longer holds any of its tasks.
        var clock = Stopwatch.StartNew();
        string queue = "";
        while (clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            queue = cluster.Client("/usr/bin/squeue", "-h", "-j", job).Output.Trim();
            if (queue.Length == 0) break;
            Thread.Sleep(500);
        }
        string logs = string.Join("\n", Directory.EnumerateFiles(Path.Combine(sweep, "logs")).Select(f => $"--- {f}\n{File.ReadAllText(f)}"));
        Assert.True(queue.Length == 0, $"the array did not finish in 5 minutes:\n{queue}\n{logs}");

        var plan = SweepPlan.Open(sweep);
        Assert.True(SweepStatus.Read(plan).States.All(s => s == PointState.Done), $"{SweepStatus.Read(plan).Summary}\n{logs}");
        for (int k = 0; k < 3; k++)
        {
            Assert.True(File.Exists(Path.Combine(sweep, "logs", $"slurm-{job}_{k}.out")), logs);
            var entry = RunIndex.Read(plan.PointFolder(k)).Experiments.Single();
            Assert.Equal(k, entry.Metrics.GetProperty("run").GetProperty("seed").GetInt64());
            Assert.Equal(1, entry.Metrics.GetProperty("run").GetProperty("threads").GetInt32()); // the task's one CPU
            Assert.InRange(entry.Figures["linear_ce_test_acc"], 0.85, 0.95);
        }

        Assert.Equal(CliApp.Ok, CliApp.Run(["report", "--runs", sweep]));
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(sweep, "report", "metrics.json")));
        var figure = metrics.RootElement.GetProperty("settings")[0].GetProperty("figures").GetProperty("linear_ce_test_acc");
        var values = Enumerable.Range(0, 3).Select(k => RunIndex.Read(plan.PointFolder(k)).Experiments[0].Figures["linear_ce_test_acc"]).ToList();
        Assert.Equal(3, figure.GetProperty("n").GetInt32());
        Assert.Equal(values.Average(), figure.GetProperty("mean").GetDouble(), 12);
        Assert.InRange(values.Average(), figure.GetProperty("low").GetDouble(), figure.GetProperty("high").GetDouble());
    }
}
