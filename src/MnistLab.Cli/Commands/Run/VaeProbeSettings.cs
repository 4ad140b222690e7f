using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Run;

[FlagsOf("vae-probe")]
public sealed class VaeProbeSettings : RunSettings
{
    [CommandOption("--epochs <N>"), OptionPath("train.epochs")]
    [Description("VAE training epochs. Default 10.")]
    public int? Epochs { get; init; }

    [CommandOption("--latent-dim <N>"), OptionPath("latent_dim")]
    [Description("Latent dimension d. Default 8.")]
    public int? LatentDim { get; init; }

    [CommandOption("--beta <X>"), OptionPath("beta")]
    [Description("Weight of the KL term. Default 4.")]
    public double? Beta { get; init; }

    [CommandOption("--model <DIR>"), OptionPath("model")]
    [Description("Probe this model folder's VAE (mnistlab model import --kind vae-probe) instead of training one.")]
    public string? Model { get; init; }

    [CommandOption("--lambda <X>"), OptionPath("lambda")]
    [Description("Ridge penalty of the probe (weights and bias). Default 0.001.")]
    public double? Lambda { get; init; }
}
