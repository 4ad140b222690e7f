using System.ComponentModel;
using MnistLab.Cli.Console;
using MnistLab.Data;
using MnistLab.Experiments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Rotated digits on textured backgrounds (seed 001): the seed's ResNet, and whether its filters are diverse or redundant.")]
public sealed class RunRotatedCommand : Command<RunRotatedCommand.Settings>
{
    public sealed class Settings : RunSettings
    {
        static readonly RotatedOptions Defaults = new();
        static readonly RotBackOptions DataDefaults = new();

        [CommandOption("--epochs <N>")]
        [Description("ResNet epochs. Default 5 (the seed's).")]
        public int Epochs { get; init; } = Defaults.Train.Epochs;

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
        public int TrainSize { get; init; } = DataDefaults.TrainValidCount;

        [CommandOption("--test-size <N>")]
        [Description("Generated test images. Default 50,000 (LISA's).")]
        public int TestSize { get; init; } = DataDefaults.TestCount;

        [CommandOption("--data-seed <N>")]
        [Description("Seed of the generated data. Default 0.")]
        public long DataSeed { get; init; }

        public override ValidationResult Validate()
        {
            if (Amat is not null && Generate) return ValidationResult.Error("--amat and --generate exclude each other.");
            if (Amat is null && Transpose) return ValidationResult.Error("--transpose applies to --amat files only.");
            return base.Validate();
        }

        public RotatedOptions ToOptions() => new RotatedOptions { Train = Defaults.Train with { Epochs = Epochs, Seed = Seed } }.Validated();

        public RotBackOptions DataOptions() => new RotBackOptions
        {
            TrainValidCount = TrainSize, TestCount = TestSize, Seed = DataSeed, BackgroundsDir = Backgrounds,
        }.Validated();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = settings.ToOptions();
        var dataOptions = settings.DataOptions();
        var result = ExperimentRunner.Run(settings, "rotated", options,
            () => settings.Amat is null ? GenerateRotBack(settings, dataOptions) : LoadAmat(settings.Amat, settings.Transpose),
            (data, p, c) => RotatedExperiment.Run(data, options, p, c), RotatedExperiment.WriteReport);
        AnsiConsole.MarkupLine($"ResNet test accuracy [bold]{result.TestAcc:P2}[/] (linear on the same data {result.LinearTestAcc:P2})");
        return 0;
    }

    /// <summary>Where LISA's files were read from, as recorded with the run.</summary>
    public sealed record AmatSource(string Path, bool Transpose);

    /// <summary>LISA's files from a folder or .zip.</summary>
    public static (RotBack, DataProvenance) LoadAmat(string path, bool transpose)
    {
        var (tv, test) = Amat.Load(path, transpose);
        var files = File.Exists(path) ? [path] : new[] { Amat.TrainValidName, Amat.TestName }.Select(n => Path.Combine(path, n));
        return (new RotBack(tv, test, "amat"), DataProvenance.OfFiles("rot-back (LISA .amat)", files) with { Generator = new AmatSource(Path.GetFullPath(path), transpose) });
    }

    /// <summary>The generated variant (cached after the first build).</summary>
    public static (RotBack, DataProvenance) GenerateRotBack(CommonSettings settings, RotBackOptions options)
    {
        using var mnist = settings.LoadMnist();
        return (Generate(mnist, options), DataProvenance.VerifiedMnist with { Name = "rot-back (generated from MNIST)", Generator = options });
    }

    /// <summary>The generated variant (cached after the first build) from MNIST already in memory.</summary>
    public static RotBack Generate(Mnist mnist, RotBackOptions options)
    {
        var data = ConsoleProgress.Run(p => RotBack.Generate(mnist, options, progress: p));
        AnsiConsole.MarkupLine($"[grey]rot-back (generated): {data.TrainValid.Count:N0} train+valid, {data.Test.Count:N0} test[/]");
        return data;
    }
}
