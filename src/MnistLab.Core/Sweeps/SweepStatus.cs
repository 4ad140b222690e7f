using MnistLab.Reports;

namespace MnistLab.Sweeps;

/// <summary>Where a point stands: not started, running now, finished, failed (with its error), or killed part-way.</summary>
public enum PointState { Pending, Running, Done, Failed, Interrupted }

/// <summary>
/// The state of every point of a sweep, read from its folder alone: a point is done when its run folder holds
/// metrics.json, running while its <see cref="PointLock"/> is held, failed when it left <c>state/&lt;k&gt;.failed</c>,
/// and interrupted when it left checkpoints (a staging folder) and nothing else. Failed and interrupted points are the
/// ones to resubmit; an interrupted one continues from its checkpoints.
/// </summary>
public sealed record SweepStatus(SweepPlan Plan, IReadOnlyList<PointState> States, IReadOnlyDictionary<int, string> Errors)
{
    public static string FailedFile(SweepPlan plan, int index) => Path.Combine(plan.StateFolder, $"{index}.failed");

    public static PointState StateOf(SweepPlan plan, int index)
    {
        string folder = plan.PointFolder(index);
        if (File.Exists(Path.Combine(folder, ReportFolder.Marker))) return PointState.Done;
        if (PointLock.IsHeld(plan, index)) return PointState.Running;
        if (File.Exists(FailedFile(plan, index))) return PointState.Failed;
        return Directory.Exists(ReportFolder.StagingOf(folder)) ? PointState.Interrupted : PointState.Pending;
    }

    public static SweepStatus Read(SweepPlan plan)
    {
        var states = plan.Points.Select(p => StateOf(plan, p.Index)).ToList();
        var errors = new Dictionary<int, string>();
        for (int k = 0; k < states.Count; k++)
            if (states[k] == PointState.Failed)
            {
                try { errors[k] = File.ReadAllText(FailedFile(plan, k)).Trim(); }
                catch (IOException) { errors[k] = "(the error could not be read)"; }
            }
        return new SweepStatus(plan, states, errors);
    }

    public int Count(PointState state) => States.Count(s => s == state);

    public IReadOnlyList<int> Indices(params PointState[] states) =>
        Enumerable.Range(0, States.Count).Where(k => states.Contains(States[k])).ToList();

    /// <summary>The points to submit again: those that failed or were killed.</summary>
    public IReadOnlyList<int> ToResubmit => Indices(PointState.Failed, PointState.Interrupted);

    /// <summary>One line: <c>20 points: 12 done, 2 running, 1 failed, 1 interrupted, 4 pending</c>.</summary>
    public string Summary =>
        $"{States.Count} points: {Count(PointState.Done)} done, {Count(PointState.Running)} running, {Count(PointState.Failed)} failed, " +
        $"{Count(PointState.Interrupted)} interrupted, {Count(PointState.Pending)} pending";
}
