using System.Text.Json;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments;
using MnistLab.Training;

namespace MnistLab.Runs;

/// <summary>
/// An experiment's analyses and report again, from the finished checkpoints of a run, without training: the
/// checkpoint names the experiment and its options; every training of the run is loaded from the same folder; the
/// data is loaded again as the options say and must be the data the models were trained on.
/// </summary>
public static class Reanalysis
{
    /// <summary>The run a checkpoint belongs to, and its experiment.</summary>
    public static (IExperiment Experiment, RunDescription Run) Describe(string checkpointFile)
    {
        if (!File.Exists(checkpointFile)) throw new MnistLabException($"{checkpointFile}: no such file.");
        var run = Checkpoint.Read(checkpointFile).Header.Run
                  ?? throw new MnistLabException($"{checkpointFile}: records no run (experiment, options, data), so it cannot be analysed as one.");
        var experiment = Registry.Find(run.Experiment)
                         ?? throw new DataFormatException($"{checkpointFile}: belongs to an experiment this MnistLab does not know ('{run.Experiment}').");
        return (experiment, run);
    }

    public static ExperimentRun Run(string checkpointFile, string outDir, LabData data, RunSetup? setup = null)
    {
        var (experiment, run) = Describe(checkpointFile);
        object options;
        try
        {
            options = run.Options.Deserialize(experiment.OptionsType, Json.Options) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"{checkpointFile}: its {run.Experiment} options cannot be read ({e.Message}).");
        }
        setup ??= new RunSetup();
        setup.Progress.Info($"{run.Experiment}: analysing the models saved in {Path.GetDirectoryName(Path.GetFullPath(checkpointFile))} (no training)");
        return experiment.RunInto(options, outDir, data, setup with { Resume = false, LoadCheckpointsFrom = Path.GetDirectoryName(Path.GetFullPath(checkpointFile)) });
    }
}
