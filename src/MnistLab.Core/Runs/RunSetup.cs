using MnistLab.Common;
using MnistLab.Training;

namespace MnistLab.Runs;

/// <summary>
/// How a run is carried out, apart from what it computes: whether it continues an interrupted run in its folder,
/// where progress goes, which command started it (for the record), and, for <see cref="Reanalysis"/>, a folder of
/// finished checkpoints to load instead of training.
/// </summary>
public sealed record RunSetup
{
    /// <summary>Continue after the last checkpoint of each training of an interrupted run into the same folder.</summary>
    public bool Resume { get; init; }

    public IProgressSink Progress { get; init; } = ProgressSink.None;

    /// <summary>The command line, recorded in metrics.json; null for runs started from code.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Load every training from the finished checkpoints in this folder and train nothing.</summary>
    public string? LoadCheckpointsFrom { get; init; }

    public CancellationToken Cancel { get; init; }
}

/// <summary>A finished run: where its report is, its headline figures and the answer they give.</summary>
public class ExperimentRun(string experiment, string folder, IReadOnlyDictionary<string, double> figures, string answer, RunInfo info, object result)
{
    public string Experiment { get; } = experiment;
    public string Folder { get; } = folder;
    public IReadOnlyDictionary<string, double> Figures { get; } = figures;
    public string Answer { get; } = answer;
    public RunInfo Info { get; } = info;
    public object Result { get; } = result;
}

/// <summary>A finished run with its typed result.</summary>
public sealed class ExperimentRun<TResult>(string experiment, string folder, IReadOnlyDictionary<string, double> figures, string answer, RunInfo info, TResult result)
    : ExperimentRun(experiment, folder, figures, answer, info, result!)
{
    public new TResult Result { get; } = result;
}
