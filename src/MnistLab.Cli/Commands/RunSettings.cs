using System.ComponentModel;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

/// <summary>Options every `run` command takes besides the common ones.</summary>
public class RunSettings : CommonSettings
{
    [CommandOption("--out <DIR>")]
    [Description("Report folder (default runs/<experiment>). Replaced only when the run succeeds, and only if empty or an earlier report.")]
    public string? Out { get; init; }

    [CommandOption("--seed <N>")]
    [Description("Seed of the splits, shuffles and initial weights. Default 0.")]
    public long Seed { get; init; }

    [CommandOption("--resume")]
    [Description("Continue an interrupted run into --out from its last checkpoints (saved at the end of every epoch); it ends with the numbers an uninterrupted run would give.")]
    public bool Resume { get; init; }
}
