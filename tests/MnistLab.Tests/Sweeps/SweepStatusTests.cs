using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Reports;
using MnistLab.Sweeps;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Sweeps;

public class SweepStatusTests
{
    static SweepPlan Plan(TempDir dir, int seeds = 5) =>
        SweepPlan.Create(dir.File("sweep"), new SweepSpec { Experiment = "linearity", Seeds = Enumerable.Range(0, seeds).Select(s => (long)s).ToList(), Quick = true });

    [Fact]
    public void Each_state_is_read_from_the_folder_and_the_failed_and_killed_points_are_to_resubmit()
    {
        using var dir = new TempDir();
        var plan = Plan(dir, 6);
        Directory.CreateDirectory(plan.PointFolder(0));
        File.WriteAllText(Path.Combine(plan.PointFolder(0), ReportFolder.Marker), "{}");       // 0 done
        File.WriteAllText(SweepStatus.FailedFile(plan, 1), "TrainOptions.Epochs must be ≥ 1\n"); // 1 failed
        Directory.CreateDirectory(ReportFolder.CheckpointsOf(plan.PointFolder(2)));             // 2 killed part-way
        using var running = PointLock.Acquire(plan, 3);                                        // 3 running now
        File.WriteAllText(SweepStatus.FailedFile(plan, 4), "old failure\n");                    // 4 failed, and now runs again
        using var again = PointLock.Acquire(plan, 4);

        var status = SweepStatus.Read(plan);
        Assert.Equal([PointState.Done, PointState.Failed, PointState.Interrupted, PointState.Running, PointState.Running, PointState.Pending], status.States);
        Assert.Equal([1, 2], status.ToResubmit);
        Assert.Equal("TrainOptions.Epochs must be ≥ 1", status.Errors[1]);
        Assert.Equal("6 points: 1 done, 2 running, 1 failed, 1 interrupted, 1 pending", status.Summary);
        Assert.Contains($"process {Environment.ProcessId}", File.ReadAllText(PointLock.InfoOf(plan, 3)));

        // A second process (here: a second lock) cannot take a running point.
        var e = Assert.Throws<MnistLabException>(() => PointLock.Acquire(plan, 3, TimeSpan.FromMilliseconds(200)));
        Assert.Contains("point 3 is running in another process", e.Message);
        running.Dispose();
        Assert.Equal(PointState.Pending, SweepStatus.StateOf(plan, 3));
        Assert.False(File.Exists(PointLock.InfoOf(plan, 3)));
    }

    [Fact]
    public void A_point_that_fails_records_why_and_no_report()
    {
        using var dir = new TempDir();
        var plan = Plan(dir, 2);
        using var data = LabData.From(new MnistSource(dir.File("no-mnist-here"), AllowFetch: false));
        var e = Assert.ThrowsAny<MnistLabException>(() => PointRun.Run(plan, 1, data));
        Assert.Equal(PointState.Failed, SweepStatus.StateOf(plan, 1));
        Assert.Equal(e.Message, File.ReadAllText(SweepStatus.FailedFile(plan, 1)).Trim());
        Assert.False(PointLock.IsHeld(plan, 1));
        Assert.Contains("no point 2; this sweep has points 0-1", Assert.Throws<InvalidOptionException>(() => PointRun.Run(plan, 2, data)).Message);
    }

    [Fact]
    public void The_slurm_file_is_a_job_array_with_a_task_per_point()
    {
        using var dir = new TempDir();
        var plan = Plan(dir, 6);
        string text = SlurmScript.Text(plan, new SlurmOptions { CpusPerTask = 3, Memory = "6G", Time = "00:30:00", Partition = "cpu", MaxRunning = 4 },
            new PointLauncher(["/usr/bin/dotnet", "/opt/mnist lab/mnistlab.dll"]));
        Assert.StartsWith("#!/bin/bash\n", text);
        foreach (string line in new[] { "#SBATCH --array=0-5%4", "#SBATCH --cpus-per-task=3", "#SBATCH --mem=6G", "#SBATCH --time=00:30:00", "#SBATCH --partition=cpu",
                     $"#SBATCH --output={plan.LogsFolder}/slurm-%A_%a.out",
                     $"exec /usr/bin/dotnet '/opt/mnist lab/mnistlab.dll' sweep point \"$SLURM_ARRAY_TASK_ID\" {plan.Folder} --threads \"${{SLURM_CPUS_PER_TASK:-1}}\"" })
            Assert.Contains(line + "\n", text);
        Assert.Contains("SlurmOptions.Memory", Assert.Throws<InvalidOptionException>(() => new SlurmOptions { Memory = "lots" }.Validated()).Message);
        Assert.Contains("SlurmOptions.Time", Assert.Throws<InvalidOptionException>(() => new SlurmOptions { Time = "soon" }.Validated()).Message);
    }

    [Fact]
    public void The_kubernetes_manifest_is_an_indexed_job_whose_index_is_the_point()
    {
        using var dir = new TempDir();
        var plan = Plan(dir, 6);
        string text = KubernetesJob.Text(plan, new KubernetesOptions { Image = "registry.example/mnistlab:0.1", Parallelism = 10 });
        foreach (string line in new[] { "kind: Job", "  completionMode: Indexed", "  completions: 6", "  parallelism: 6",
                     "                  fieldPath: metadata.annotations['batch.kubernetes.io/job-completion-index']",
                     "          command: [\"mnistlab\", \"sweep\", \"point\", \"$(POINT)\", \"/sweeps/sweep\", \"--threads\", \"2\", \"--data\", \"/sweeps/mnist\"]",
                     "          image: \"registry.example/mnistlab:0.1\"", "            claimName: mnistlab-sweeps" })
            Assert.Contains(line + "\n", text);
        Assert.DoesNotContain("\t", text);
    }
}
