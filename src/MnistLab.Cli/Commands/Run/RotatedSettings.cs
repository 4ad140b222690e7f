using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Run;

[FlagsOf("rotated")]
public sealed class RotatedSettings : RunSettings
{
    [CommandOption("--epochs <N>"), OptionPath("train.epochs")]
    [Description("ResNet epochs. Default 5 (the seed's).")]
    public int? Epochs { get; init; }

    [CommandOption("--model <DIR>"), OptionPath("model")]
    [Description("Analyse this model folder's ResNet (mnistlab model import --kind rotated) instead of training one.")]
    public string? Model { get; init; }

    [CommandOption("--amat <PATH>"), OptionPath("data.amat")]
    [Description("A folder or .zip with LISA's mnist_all_background_images_rotation_normalized_{train_valid,test}.amat.")]
    public string? Amat { get; init; }

    [CommandOption("--transpose"), OptionPath("data.transpose")]
    [Description("Transpose each .amat image (LISA's files are stored transposed relative to MNIST).")]
    public bool Transpose { get; init; }

    [CommandOption("--generate")]
    [Description("Generate the data from MNIST (the default when --amat is not given).")]
    public bool Generate { get; init; }

    [CommandOption("--backgrounds <DIR>"), OptionPath("data.generate.backgrounds_dir")]
    [Description("Folder of your own background images for --generate (default: built-in textures).")]
    public string? Backgrounds { get; init; }

    [CommandOption("--train-size <N>"), OptionPath("data.generate.train_valid_count")]
    [Description("Generated train+valid images. Default 12,000 (LISA's).")]
    public int? TrainSize { get; init; }

    [CommandOption("--test-size <N>"), OptionPath("data.generate.test_count")]
    [Description("Generated test images. Default 50,000 (LISA's).")]
    public int? TestSize { get; init; }

    [CommandOption("--data-seed <N>"), OptionPath("data.generate.seed")]
    [Description("Seed of the generated data. Default 0.")]
    public long? DataSeed { get; init; }

    public override ValidationResult Validate()
    {
        if (Amat is not null && Generate) return ValidationResult.Error("--amat and --generate exclude each other.");
        if (Amat is null && Transpose) return ValidationResult.Error("--transpose applies to --amat files only.");
        if (Backgrounds is not null && !Directory.Exists(Backgrounds)) return ValidationResult.Error($"--backgrounds {Backgrounds}: no such folder.");
        return base.Validate();
    }
}
