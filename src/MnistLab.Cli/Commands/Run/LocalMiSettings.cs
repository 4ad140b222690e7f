using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Experiments;
using MnistLab.Experiments.LocalMi;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Run;

[FlagsOf("local-mi")]
public sealed class LocalMiSettings : RunSettings
{
    [CommandOption("--mi <KIND>")]
    [Description("hard (the seed's binned estimator), soft (differentiable) or both. Default both.")]
    public string Mi { get; init; } = "both";

    [CommandOption("--order <ORDER>")]
    [Description("sequential (the seed's), simultaneous or both. Default both.")]
    public string Order { get; init; } = "both";

    [CommandOption("--epochs <N>"), OptionPath("rule.epochs_per_layer", "Epochs per layer.", typeof(LocalMiExperimentOptions))]
    public int? Epochs { get; init; }

    [CommandOption("--lr <X>"), OptionPath("rule.learning_rate", "SGD learning rate of the local rule.", typeof(LocalMiExperimentOptions))]
    public double? LearningRate { get; init; }

    [CommandOption("--lambda <X>"), OptionPath("rule.lambda", "Redundancy penalty.", typeof(LocalMiExperimentOptions))]
    public double? Lambda { get; init; }

    [CommandOption("--soft-width <X>"), OptionPath("rule.soft_width", "Kernel sd of the soft estimator.", typeof(LocalMiExperimentOptions))]
    public double? SoftWidth { get; init; }

    public override ValidationResult Validate()
    {
        if (Mi is not ("hard" or "soft" or "both")) return ValidationResult.Error($"--mi must be hard, soft or both, got '{Mi}'.");
        if (Order is not ("sequential" or "simultaneous" or "both")) return ValidationResult.Error($"--order must be sequential, simultaneous or both, got '{Order}'.");
        return base.Validate();
    }

    protected override IEnumerable<(string Key, string Value)> Overrides()
    {
        if (Mi != "both") yield return ("estimators", Mi);
        if (Order != "both") yield return ("orders", Order);
    }
}
