using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Reports;
using MnistLab.Runs;

namespace MnistLab.Sweeps;

/// <summary>
/// One point of a sweep, run in this process: what <c>mnistlab sweep point K DIR</c> does, wherever it runs (a local
/// sweep's child process, a Slurm array task, a Kubernetes pod). A finished point is kept; a killed one continues from
/// its checkpoints; a failure is recorded for the status before it propagates.
/// </summary>
public static class PointRun
{
    /// <summary>Runs point <paramref name="index"/> of <paramref name="plan"/>; null when it had finished before.</summary>
    public static ExperimentRun? Run(SweepPlan plan, int index, LabData data, RunSetup? setup = null)
    {
        setup ??= new RunSetup();
        var point = plan.Point(index);
        string folder = plan.PointFolder(index);
        if (SweepStatus.StateOf(plan, index) == PointState.Done)
        {
            setup.Progress.Info($"{point} finished before; kept as it is");
            return null;
        }
        using var running = PointLock.Acquire(plan, index);
        if (SweepStatus.StateOf(plan, index) == PointState.Done) return null; // finished by another process meanwhile
        AtomicFile.TryDelete(SweepStatus.FailedFile(plan, index));
        try
        {
            var options = plan.Spec.OptionsOf(point);
            bool resume = Directory.Exists(ReportFolder.StagingOf(folder)); // a killed attempt left checkpoints to continue from
            setup.Progress.Info($"{plan.Experiment.Name} {point}{(resume ? ": continuing from its checkpoints" : "")}");
            return plan.Experiment.RunInto(options, folder, data, setup with { Resume = resume });
        }
        catch (Exception e)
        {
            string why = e is OperationCanceledException ? "cancelled" : $"{(e is MnistLabException ? "" : e.GetType().Name + ": ")}{e.Message}";
            try { AtomicFile.WriteAllText(SweepStatus.FailedFile(plan, index), why + "\n"); }
            catch (Exception w) when (w is IOException or UnauthorizedAccessException) { } // the error itself still propagates
            throw;
        }
    }
}
