using System.ComponentModel;
using MnistLab.Common;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

/// <summary>Options every command takes, including those that read no MNIST.</summary>
public class ToolSettings : CommandSettings
{
    [CommandOption("--threads <N>")]
    [Description("CPU threads for libtorch (default: all cores).")]
    public int? Threads { get; init; }

    [CommandOption("--verbose")]
    [Description("Show the stack trace of unexpected errors.")]
    public bool Verbose { get; init; }

    public override ValidationResult Validate() =>
        Threads is < 1 or > 1024 ? ValidationResult.Error($"--threads must be between 1 and 1024, got {Threads}.") : ValidationResult.Success();

    /// <summary>Applies --threads (and the allocator tuning) and returns the thread count in use.</summary>
    public int ApplyThreads() => TorchSetup.SetThreads(Threads);
}
