using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Experiments;
using MnistLab.Experiments.Rotated;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Run;

[FlagsOf("rotated")]
public sealed class RotatedSettings : RunSettings
{
    [CommandOption("--epochs <N>"), OptionPath("train.epochs", "ResNet epochs.", typeof(RotatedOptions))]
    public int? Epochs { get; init; }

    [CommandOption("--model <DIR>"), OptionPath("model", "Analyse this model folder's ResNet (mnistlab model import --kind rotated) instead of training one.", typeof(RotatedOptions))]
    public string? Model { get; init; }

    [CommandOption("--amat <PATH>"), OptionPath("data.amat", "A folder or .zip with LISA's mnist_all_background_images_rotation_normalized_{train_valid,test}.amat.", typeof(RotatedOptions))]
    public string? Amat { get; init; }

    [CommandOption("--transpose"), OptionPath("data.transpose", "Transpose each .amat image (LISA's files are stored transposed relative to MNIST).", typeof(RotatedOptions))]
    public bool Transpose { get; init; }

    [CommandOption("--generate")]
    [Description("Generate the data from MNIST (the default when --amat is not given).")]
    public bool Generate { get; init; }

    [CommandOption("--backgrounds <DIR>"), OptionPath("data.generate.backgrounds_dir", "Folder of your own background images for --generate (default: built-in textures).", typeof(RotatedOptions))]
    public string? Backgrounds { get; init; }

    [CommandOption("--train-size <N>"), OptionPath("data.generate.train_valid_count", "Generated train+valid images.", typeof(RotatedOptions))]
    public int? TrainSize { get; init; }

    [CommandOption("--test-size <N>"), OptionPath("data.generate.test_count", "Generated test images.", typeof(RotatedOptions))]
    public int? TestSize { get; init; }

    [CommandOption("--data-seed <N>"), OptionPath("data.generate.seed", "Seed of the generated data.", typeof(RotatedOptions))]
    public long? DataSeed { get; init; }

    public override ValidationResult Validate()
    {
        if (Amat is not null && Generate) return ValidationResult.Error("--amat and --generate exclude each other.");
        if (Amat is null && Transpose) return ValidationResult.Error("--transpose applies to --amat files only.");
        if (Backgrounds is not null && !Directory.Exists(Backgrounds)) return ValidationResult.Error($"--backgrounds {Backgrounds}: no such folder.");
        return base.Validate();
    }
}
