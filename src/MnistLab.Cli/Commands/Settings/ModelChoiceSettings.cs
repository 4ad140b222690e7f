using System.ComponentModel;
using MnistLab.Common;
using MnistLab.Export;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace MnistLab.Cli.Commands.Settings;

/// <summary>Options of the commands that read one model: a checkpoint of any run, or an imported model's folder.</summary>
public class ModelChoiceSettings : CommonSettings
{
    [CommandOption("--checkpoint <FILE>")]
    [Description("A .ckpt file written by any run.")]
    public string? Checkpoint { get; init; }

    [CommandOption("--model <DIR>")]
    [Description("A model folder written by 'mnistlab model import'.")]
    public string? Model { get; init; }

    /// <summary>The file or folder named, as reports name their source.</summary>
    public string ModelSource => Model ?? Checkpoint!;

    public override ValidationResult Validate() =>
        (Checkpoint is null) == (Model is null)
            ? ValidationResult.Error("give --checkpoint FILE (a .ckpt file written by any run) or --model DIR (an imported model's folder), one of them.")
            : base.Validate();

    /// <summary>A path that does not exist is a usage error naming it.</summary>
    public void CheckModelPath()
    {
        if (Checkpoint is not null && !File.Exists(Checkpoint)) throw new InvalidOptionException($"--checkpoint {Checkpoint}: no such file.");
        if (Model is not null && !Directory.Exists(Model)) throw new InvalidOptionException($"--model {Model}: no such folder (write one with 'mnistlab model import').");
    }

    /// <summary>The model and what it reads from an image batch.</summary>
    public (nn.Module<Tensor, Tensor> Model, Func<Tensor, Tensor> Input) LoadModel()
    {
        CheckModelPath();
        return Model is not null ? ActivationExport.FromModelFolder(Model) : ActivationExport.FromCheckpoint(Checkpoint!);
    }
}
