using System.ComponentModel;
using System.Reflection;
using MnistLab.Common;
using MnistLab.Experiments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Settings;

/// <summary>
/// Options every `run` command takes, and the binding of a command's flags into its experiment's options: the
/// experiment's defaults (or quick budget), then every flag given, then every --set, then the seed. The seed is --seed's
/// alone: a --set of the run's seed (<c>seed</c>, or a sub-option's <c>train.seed</c>) is refused, never overwritten.
/// </summary>
public class RunSettings : CommonSettings
{
    [CommandOption("--out <DIR>")]
    [Description("Report folder (default runs/<experiment>). Replaced only when the run succeeds, and only if empty or an earlier report.")]
    public string? Out { get; init; }

    [CommandOption("--seed <N>")]
    [Description("The run's seed: splits, shuffles, initial weights and noise are drawn from it. Default 0.")]
    public long Seed { get; init; }

    [CommandOption("--resume")]
    [Description("Continue an interrupted run into --out from its last checkpoints (saved at the end of every epoch); it ends with the numbers an uninterrupted run would give.")]
    public bool Resume { get; init; }

    [CommandOption("--quick")]
    [Description("Start from the experiment's reduced budget (as 'run all --quick') instead of the seed's.")]
    public bool Quick { get; init; }

    [CommandOption("--set <KEY=VALUE>")]
    [Description("Set any option of the experiment by its JSON name, e.g. --set train.epochs=3 (repeatable); an unknown key lists the valid ones. The seed is --seed's.")]
    public string[] Set { get; init; } = [];

    /// <summary>The experiment these settings run; set by the command before the options are built.</summary>
    public IExperiment? Experiment { get; set; }

    /// <summary>The options record of the experiment, whose keys --set names.</summary>
    Type? OptionsType => Experiment?.OptionsType;

    /// <summary>Values that are not a plain key (a choice that maps to a list, say), as (key, value) pairs.</summary>
    protected virtual IEnumerable<(string Key, string Value)> Overrides() => [];

    public override ValidationResult Validate()
    {
        foreach (var s in Set)
            if (!s.Contains('=')) return ValidationResult.Error($"--set expects KEY=VALUE, got '{s}'.");
        return base.Validate();
    }

    /// <summary>A --set wins over a flag for the same option (it is applied after), so it is named first.</summary>
    public override string? FlagFor(string option)
    {
        foreach (var s in Set.Reverse())
        {
            string key = s[..s.IndexOf('=')].Trim();
            if (OptionsType is { } type && OptionPaths.LibraryName(type, key) == option) return $"--set {key}";
        }
        return base.FlagFor(option);
    }

    /// <summary>The experiment's options as these settings give them.</summary>
    public object Options(IExperiment experiment)
    {
        Experiment = experiment;
        var sets = Set.Select(s => (Key: s[..s.IndexOf('=')].Trim(), Value: s[(s.IndexOf('=') + 1)..].Trim())).ToList();
        foreach (var (key, _) in sets)
            if (RunSeed.Names(experiment, key))
                throw new InvalidOptionException("--set", $"--set {key}: the run's seed is given with --seed, not with --set" +
                    (OptionPaths.LibraryName(experiment.OptionsType, key) is null
                        ? $" ({key} is not an option of {experiment.OptionsType.Name}: its sub-options carry no seed, every random stream of the run is drawn from the run's)."
                        : "."));
        var options = Bind(Quick ? experiment.QuickOptions : experiment.DefaultOptions, [.. Overrides(), .. sets]);
        return experiment.WithSeed(options, Seed);
    }
}
