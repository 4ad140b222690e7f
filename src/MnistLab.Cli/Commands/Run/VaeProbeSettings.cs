using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Experiments;
using MnistLab.Experiments.VaeProbe;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Run;

[FlagsOf("vae-probe")]
public sealed class VaeProbeSettings : RunSettings
{
    [CommandOption("--epochs <N>"), OptionPath("train.epochs", "VAE training epochs.", typeof(VaeProbeOptions))]
    public int? Epochs { get; init; }

    [CommandOption("--latent-dim <N>"), OptionPath("latent_dim", "Latent dimension d.", typeof(VaeProbeOptions))]
    public int? LatentDim { get; init; }

    [CommandOption("--beta <X>"), OptionPath("beta", "Weight of the KL term.", typeof(VaeProbeOptions))]
    public double? Beta { get; init; }

    [CommandOption("--model <DIR>"), OptionPath("model", "Probe this model folder's VAE (mnistlab model import --kind vae-probe) instead of training one.", typeof(VaeProbeOptions))]
    public string? Model { get; init; }

    [CommandOption("--lambda <X>"), OptionPath("lambda", "Ridge penalty of the probe (weights and bias).", typeof(VaeProbeOptions))]
    public double? Lambda { get; init; }
}
