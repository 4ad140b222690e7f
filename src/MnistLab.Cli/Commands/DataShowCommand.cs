using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Reports;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace MnistLab.Cli.Commands;

[Description("Write a labelled grid of digits to a PNG.")]
public sealed class DataShowCommand : LabCommand<DataShowCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--count <N>")]
        [Description("Number of digits (1-400). Default 40.")]
        public int Count { get; init; } = 40;

        [CommandOption("--out <FILE>")]
        [Description("PNG file to write. Default samples.png.")]
        public string Out { get; init; } = "samples.png";

        [CommandOption("--split <SPLIT>")]
        [Description("train or test. Default train.")]
        public string Split { get; init; } = "train";

        [CommandOption("--dataset <NAME>")]
        [Description("mnist or rot-back (rotated digits on backgrounds, generated as 'run rotated' does by default). Default mnist.")]
        public string Dataset { get; init; } = "mnist";

        [CommandOption("--seed <N>")]
        [Description("Pick a seeded random sample instead of the first images.")]
        public long? Seed { get; init; }

        public override ValidationResult Validate()
        {
            if (Count is < 1 or > 400) return ValidationResult.Error($"--count must be between 1 and 400, got {Count}.");
            if (Dataset is not ("mnist" or "rot-back")) return ValidationResult.Error($"--dataset must be mnist or rot-back, got '{Dataset}'.");
            if (Split is not ("train" or "test")) return ValidationResult.Error($"--split must be train or test, got '{Split}'.");
            if (!Out.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) return ValidationResult.Error($"--out must name a .png file, got '{Out}'.");
            return base.Validate();
        }
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var data = settings.OpenData();
        var rot = settings.Dataset == "rot-back" ? data.Rotated(new RotatedData()).Data : null;
        var set = rot is null ? (settings.Split == "train" ? data.Mnist.Train : data.Mnist.Test) : (settings.Split == "train" ? rot.TrainValid : rot.Test);
        using var scope = NewDisposeScope();
        using var g = settings.Seed is { } s ? Seeds.Generator(s, "data show") : null;
        var idx = (g is null ? arange(set.Count, dtype: ScalarType.Int64) : randperm(set.Count, generator: g, dtype: ScalarType.Int64)).narrow(0, 0, settings.Count);
        var images = set.Images.index_select(0, idx).reshape(settings.Count, 784);
        var labels = set.Labels.index_select(0, idx).data<long>().ToArray();
        long[] indices = idx.data<long>().ToArray();
        var pictures = Enumerable.Range(0, settings.Count).Select(i => images[i].data<float>().ToArray()).ToList();
        int cols = Math.Min(10, settings.Count), rows = (settings.Count + cols - 1) / cols;
        AtomicFile.Write(settings.Out, temp => Plots.GrayGrid(temp, pictures, labels.Select((l, i) => $"#{indices[i]}: {l}").ToList(), rows, cols));
        AnsiConsole.MarkupLine($"Wrote {settings.Count} {settings.Split} digits to [bold]{Markup.Escape(settings.Out)}[/]");
        return 0;
    }
}
