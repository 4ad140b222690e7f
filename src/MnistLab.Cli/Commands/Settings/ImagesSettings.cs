using System.ComponentModel;
using MnistLab.Common;
using MnistLab.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Settings;

/// <summary>Options of the commands that analyse one model on chosen MNIST images (explain, probe): one way to choose them.</summary>
public class ImagesSettings : ModelChoiceSettings
{
    [CommandOption("--images <SPLIT:START:END>"), Binds("images")]
    [Description("Images to read: test:0:64 is test images 0 to 63; train: likewise. Default test:0:64 for explain, test:0:5000 for probe.")]
    public string? Images { get; init; }

    [CommandOption("--per-class <N>"), Binds("images")]
    [Description("Instead of --images: the first N test images of each digit.")]
    public int? PerClass { get; init; }

    public override ValidationResult Validate() =>
        Images is not null && PerClass is not null ? ValidationResult.Error("give --images or --per-class, not both.") : base.Validate();

    /// <summary>The images chosen, or <paramref name="fallback"/> when neither flag is given.</summary>
    public ImageSelection Selection(ImageSelection fallback)
    {
        if (PerClass is { } k)
        {
            Require.InRange(k, 1, 1000, "images");
            return ImageSelection.OfEachClass(k);
        }
        return Images is null ? fallback : ImageSelection.Parse(Images);
    }
}
