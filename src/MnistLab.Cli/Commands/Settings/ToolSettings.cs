using System.ComponentModel;
using System.Reflection;
using MnistLab.Common;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Settings;

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

    /// <summary>The options record the flags of these settings bind into, for <see cref="OptionPathAttribute"/>; null when none.</summary>
    public virtual Type? OptionsType => null;

    /// <summary>The flag that gives the library option <paramref name="option"/> (<c>TrainOptions.Epochs</c> → <c>--epochs</c>), or null.</summary>
    public string? FlagFor(string option)
    {
        foreach (var property in GetType().GetProperties())
        {
            var flag = property.GetCustomAttribute<CommandOptionAttribute>()?.LongNames.FirstOrDefault();
            if (flag is null) continue;
            string? binds = property.GetCustomAttribute<BindsAttribute>()?.Option
                            ?? (property.GetCustomAttribute<OptionPathAttribute>() is { } path && OptionsType is { } type ? OptionPaths.LibraryName(type, path.Path) : null);
            if (binds == option) return "--" + flag;
        }
        return null;
    }
}
