using System.Text.Json;
using MnistLab.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MnistLab.Training;

/// <summary>Which run a checkpoint belongs to: the experiment, its options and its data source, as JSON.</summary>
public sealed record RunDescription(string Experiment, JsonElement Options, JsonElement Data)
{
    public static RunDescription Of(string experiment, object options, object data) =>
        new(experiment, JsonSerializer.SerializeToElement(options, Json.Options), JsonSerializer.SerializeToElement(data, Json.Options));

    /// <summary>Same experiment, options and data (compared as compact JSON, so layout does not matter).</summary>
    public bool SameAs(RunDescription other) =>
        Experiment == other.Experiment && Compact(Options) == Compact(other.Options) && Compact(Data) == Compact(other.Data);

    static string Compact(JsonElement e) => JsonSerializer.Serialize(e);
}

/// <summary>How a run treats the checkpoints already in its folder.</summary>
public enum CheckpointMode
{
    /// <summary>Every training starts from its first epoch; checkpoints are written as epochs end.</summary>
    Fresh,
    /// <summary>Each training continues after its last checkpoint, if it has one.</summary>
    Resume,
    /// <summary>Every training must have a finished checkpoint; nothing is trained or written.</summary>
    LoadOnly,
}

/// <summary>
/// Where the trainings of one run keep their checkpoints (one file per training, named after it) and
/// whether they resume from them. Trainers take it as an optional argument: without it they train as before.
/// </summary>
public sealed class Checkpointing
{
    public const string Extension = ".ckpt";
    public string Folder { get; }
    public CheckpointMode Mode { get; }
    public RunDescription? Run { get; }

    public Checkpointing(string folder, CheckpointMode mode, RunDescription? run = null)
    {
        Folder = Path.GetFullPath(folder);
        Mode = mode;
        Run = run;
        // A kill during a save leaves its temporary file (never the checkpoint itself): a run that will write here sweeps them.
        if (mode != CheckpointMode.LoadOnly && Directory.Exists(Folder))
            foreach (string temp in Directory.EnumerateFiles(Folder, AtomicFile.TempPattern(Extension)))
                File.Delete(temp);
    }

    public string PathOf(string training) => Path.Combine(Folder, FileName(training));

    /// <summary>A file name for a training name: letters, digits, '.', '-' and '_' kept, anything else '_'.</summary>
    public static string FileName(string training) =>
        new string(training.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray()) + Extension;

    /// <summary>The checkpoint <paramref name="training"/> continues from, or null to start at epoch 1.</summary>
    public Checkpoint? Resumable(string training, int epochs)
    {
        if (Mode == CheckpointMode.Fresh) return null;
        string path = PathOf(training);
        if (!File.Exists(path))
            return Mode == CheckpointMode.LoadOnly
                ? throw new MnistLabException($"{path}: no checkpoint for '{training}'; analysis needs every training of the run to have finished.")
                : null;
        var saved = Checkpoint.Read(path);
        if (saved.Header.Training != training)
            throw new DataFormatException($"{path}: holds the training '{saved.Header.Training}', expected '{training}'.");
        if (Run is not null && saved.Header.Run is not null && !Run.SameAs(saved.Header.Run))
            throw new InvalidOptionException($"{path}: was written by a run with other options or data; run without --resume to start over.");
        if (saved.Header.Epochs != epochs)
            throw new InvalidOptionException($"{path}: was written for {saved.Header.Epochs} epochs, this run asks for {epochs}; run without --resume to start over.");
        if (Mode == CheckpointMode.LoadOnly && !saved.Header.Complete)
            throw new MnistLabException($"{path}: '{training}' stopped after epoch {saved.Header.Epoch} of {saved.Header.Epochs}; resume the run to finish it first.");
        return saved;
    }

    /// <summary>Saves a training at the end of an epoch; in <see cref="CheckpointMode.LoadOnly"/> nothing is written.</summary>
    public void Save(TrainingState state, nn.Module model, OptimizerHelper? optimizer, IReadOnlyDictionary<string, Generator> generators)
    {
        if (Mode == CheckpointMode.LoadOnly) return;
        try
        {
            Directory.CreateDirectory(Folder);
            Checkpoint.Write(PathOf(state.Training), Run, state, model, optimizer, generators);
        }
        catch (Exception e) when (AtomicFile.WriteFailure(e) is { } failure)
        {
            throw new MnistLabException($"{PathOf(state.Training)}: cannot write the checkpoint ({AtomicFile.Reason(failure)}).", failure);
        }
    }
}
