using System.ComponentModel;
using MnistLab.Cli.Console;
using MnistLab.Data;
using MnistLab.Experiments;
using MnistLab.Reports;
using MnistLab.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

/// <summary>Options that choose the rotated-digits data: LISA's files, or generated.</summary>
public class RotBackSettings : CommonSettings
{
    [CommandOption("--amat <PATH>")]
    [Description("A folder or .zip with LISA's mnist_all_background_images_rotation_normalized_{train_valid,test}.amat.")]
    public string? Amat { get; init; }

    [CommandOption("--transpose")]
    [Description("Transpose each .amat image (LISA's files are stored transposed relative to MNIST).")]
    public bool Transpose { get; init; }

    [CommandOption("--generate")]
    [Description("Generate the data from MNIST (the default when --amat is not given).")]
    public bool Generate { get; init; }

    [CommandOption("--backgrounds <DIR>")]
    [Description("Folder of your own background images for --generate (default: built-in textures).")]
    public string? Backgrounds { get; init; }

    [CommandOption("--train-size <N>")]
    [Description("Generated train+valid images. Default 12,000 (LISA's).")]
    public int TrainSize { get; init; } = new RotBackOptions().TrainValidCount;

    [CommandOption("--test-size <N>")]
    [Description("Generated test images. Default 50,000 (LISA's).")]
    public int TestSize { get; init; } = new RotBackOptions().TestCount;

    [CommandOption("--data-seed <N>")]
    [Description("Seed of the generated data. Default 0.")]
    public long DataSeed { get; init; }

    public override ValidationResult Validate()
    {
        if (Amat is not null && Generate) return ValidationResult.Error("--amat and --generate exclude each other.");
        if (Amat is null && Transpose) return ValidationResult.Error("--transpose applies to --amat files only.");
        return base.Validate();
    }

    public RotBackOptions GeneratorOptions() => new RotBackOptions
    {
        TrainValidCount = TrainSize, TestCount = TestSize, Seed = DataSeed, BackgroundsDir = Backgrounds,
    }.Validated();

    /// <summary>Reads the .amat files, or generates (and caches) the data from MNIST.</summary>
    public RotBack LoadRotBack()
    {
        if (Amat is not null)
        {
            var (tv, test) = MnistLab.Data.Amat.Load(Amat, Transpose);
            return new RotBack(tv, test, "amat");
        }
        var options = GeneratorOptions();
        using var mnist = LoadMnist();
        return ConsoleProgress.Run(p => RotBack.Generate(mnist, options, progress: p));
    }
}

[Description("Rotated digits on textured backgrounds (seed 001): the seed's ResNet, and whether its filters are diverse or redundant.")]
public sealed class RunRotatedCommand : Command<RunRotatedCommand.Settings>
{
    public sealed class Settings : RotBackSettings
    {
        static readonly RotatedOptions Defaults = new();

        [CommandOption("--out <DIR>")]
        [Description("Report folder. Default runs/rotated.")]
        public string Out { get; init; } = "runs/rotated";

        [CommandOption("--epochs <N>")]
        [Description("ResNet epochs. Default 5 (the seed's).")]
        public int Epochs { get; init; } = Defaults.Train.Epochs;

        [CommandOption("--seed <N>")]
        [Description("Seed of the split, shuffles and weights. Default 0.")]
        public long Seed { get; init; }

        public RotatedOptions ToOptions() => new RotatedOptions { Train = Defaults.Train with { Epochs = Epochs, Seed = Seed } }.Validated();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = settings.ToOptions();
        ReportFolder.CheckReplaceable(Path.GetFullPath(settings.Out), settings.Out);
        int threads = settings.ApplyThreads();
        using var data = settings.LoadRotBack();
        AnsiConsole.MarkupLine($"[grey]rot-back ({data.Source}): {data.TrainValid.Count:N0} train+valid, {data.Test.Count:N0} test[/]");
        var result = ConsoleProgress.Run(p => RotatedExperiment.Run(data, options, p));
        RotatedExperiment.WriteReport(result, RunInfo.Capture(threads), settings.Out);
        AnsiConsole.MarkupLine($"ResNet test accuracy [bold]{result.TestAcc:P2}[/] (linear on the same data {result.LinearTestAcc:P2})");
        AnsiConsole.MarkupLine($"Report: [bold]{Markup.Escape(Path.Combine(settings.Out, "report.md"))}[/]");
        return 0;
    }
}
