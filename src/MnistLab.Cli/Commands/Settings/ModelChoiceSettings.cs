using System.ComponentModel;
using MnistLab.Common;
using MnistLab.Import;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Settings;

/// <summary>Options of the commands that read one model: a checkpoint of any run, or an imported model's folder.</summary>
public class ModelChoiceSettings : CommonSettings
{
    [CommandOption("--checkpoint <FILE>"), Binds("checkpoint")]
    [Description("A .ckpt file written by any run.")]
    public string? Checkpoint { get; init; }

    [CommandOption("--model <DIR>"), Binds("model")]
    [Description("A model folder written by 'mnistlab model import'.")]
    public string? Model { get; init; }

    public override ValidationResult Validate() =>
        (Checkpoint is null) == (Model is null)
            ? ValidationResult.Error("give --checkpoint FILE (a .ckpt file written by any run) or --model DIR (an imported model's folder), one of them.")
            : base.Validate();

    /// <summary>The model named by --checkpoint or --model (a path that does not exist is a usage error naming it).</summary>
    public LoadedModel LoadModel() => LoadedModel.Load(Checkpoint, Model);
}
